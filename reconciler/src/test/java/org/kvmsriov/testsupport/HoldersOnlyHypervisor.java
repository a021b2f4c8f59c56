package org.kvmsriov.testsupport;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.port.DomainEvent;
import org.kvmsriov.port.DomainInfo;
import org.kvmsriov.port.DomainState;
import org.kvmsriov.port.Hypervisor;
import org.kvmsriov.port.PciHostdev;

/**
 * A hypervisor that answers only "which domains exist and which VFs do they hold" from a fixed
 * list — the one question {@code status} and {@code leases release} ask. Everything else throws,
 * so a command that asks more fails its test instead of getting a made-up answer.
 */
public final class HoldersOnlyHypervisor implements Hypervisor {

  private final List<DomainInfo> domains;
  private boolean closed;

  public HoldersOnlyHypervisor(List<DomainInfo> domains) {
    this.domains = List.copyOf(domains);
  }

  /** A domain in {@code state} holding {@code vfs} as PCI hostdevs. */
  public static DomainInfo domain(String name, DomainState state, String... vfs) {
    return new DomainInfo(name, UUID.nameUUIDFromBytes(name.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
        state, java.util.Arrays.stream(vfs).map(v -> new PciHostdev(PciAddress.parse(v), Optional.empty(), false))
            .toList());
  }

  public boolean closed() {
    return closed;
  }

  @Override
  public List<DomainInfo> domains() {
    return domains;
  }

  @Override
  public Optional<DomainInfo> domain(String nameOrUuid) {
    return domains.stream().filter(d -> d.name().equals(nameOrUuid) || d.uuid().toString().equals(nameOrUuid))
        .findFirst();
  }

  @Override
  public String xml(String nameOrUuid) {
    throw new UnsupportedOperationException("xml");
  }

  @Override
  public DomainInfo create(String xml) {
    throw new UnsupportedOperationException("create");
  }

  @Override
  public void destroy(String nameOrUuid) {
    throw new UnsupportedOperationException("destroy");
  }

  @Override
  public boolean shutdown(String nameOrUuid, Duration deadline) {
    throw new UnsupportedOperationException("shutdown");
  }

  @Override
  public void save(String nameOrUuid, Path file) {
    throw new UnsupportedOperationException("save");
  }

  @Override
  public String savedXml(Path file) {
    throw new UnsupportedOperationException("savedXml");
  }

  @Override
  public DomainInfo restore(Path file, Optional<String> xml) {
    throw new UnsupportedOperationException("restore");
  }

  @Override
  public void attachDevice(String nameOrUuid, String deviceXml) {
    throw new UnsupportedOperationException("attachDevice");
  }

  @Override
  public void detachDevice(String nameOrUuid, String deviceXml, Duration deadline) {
    throw new UnsupportedOperationException("detachDevice");
  }

  @Override
  public void migrate(String nameOrUuid, String destinationUri, boolean peerToPeer, Optional<String> xml) {
    throw new UnsupportedOperationException("migrate");
  }

  @Override
  public AutoCloseable onEvent(Consumer<DomainEvent> listener) {
    throw new UnsupportedOperationException("onEvent");
  }

  @Override
  public void close() {
    closed = true;
  }
}
