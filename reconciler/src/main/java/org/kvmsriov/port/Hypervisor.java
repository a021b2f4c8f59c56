package org.kvmsriov.port;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What kvm-sriov needs from the hypervisor (libvirt). The only adapter that implements it is
 * the only code that imports {@code org.libvirt}. Failures are {@link HypervisorException}s.
 *
 * <p>Domains are named by their libvirt name ({@code one-42}) or UUID string, as OpenNebula may
 * store either as the deploy id.
 */
public interface Hypervisor extends AutoCloseable {

  /** Every domain libvirt knows (running, paused, or defined and shut off). */
  List<DomainInfo> domains();

  /** The domain with this name or UUID, if any. */
  Optional<DomainInfo> domain(String nameOrUuid);

  /** The live XML of a domain (inactive XML when it is not running). */
  String xml(String nameOrUuid);

  /** Creates and starts a transient domain from {@code xml}. */
  DomainInfo create(String xml);

  /** Forcibly stops a domain ({@code virDomainDestroy}). No-op when it is already gone. */
  void destroy(String nameOrUuid);

  /**
   * Asks the guest to shut down and waits for the domain to stop.
   *
   * @return true when it stopped before {@code deadline}, false otherwise (it is left running)
   */
  boolean shutdown(String nameOrUuid, Duration deadline);

  /** Saves a running domain's memory to {@code file} and stops it. */
  void save(String nameOrUuid, Path file);

  /**
   * The domain XML stored in a save image: the base for a {@link #restore} override, which
   * libvirt accepts only when it describes the same guest ABI (CPU, devices) as the image.
   */
  String savedXml(Path file);

  /**
   * Restores a domain saved with {@link #save}.
   *
   * @param xml a replacement domain XML (e.g. without hostdevs), or empty to use the saved one
   */
  DomainInfo restore(Path file, Optional<String> xml);

  /** Hot-plugs a device into the live domain. */
  void attachDevice(String nameOrUuid, String deviceXml);

  /**
   * Hot-unplugs a device and waits until libvirt reports it removed (device-removed event, or
   * the live XML no longer showing it) or {@code deadline} passes.
   *
   * @throws HypervisorException when the device is still there at the deadline
   */
  void detachDevice(String nameOrUuid, String deviceXml, Duration deadline);

  /**
   * Live-migrates a domain.
   *
   * @param destinationUri libvirt URI of the destination ({@code qemu+ssh://host/system})
   * @param peerToPeer true for libvirt's peer-to-peer mode, false for a direct (client-driven) one
   * @param xml destination domain XML, or empty to keep the current one
   */
  void migrate(String nameOrUuid, String destinationUri, boolean peerToPeer, Optional<String> xml);

  /**
   * Subscribes to lifecycle and device-removed events of every domain; closing the handle
   * unsubscribes. Listeners run on the adapter's event thread: they must return quickly and must
   * not call back into the hypervisor.
   */
  AutoCloseable onEvent(Consumer<DomainEvent> listener);

  @Override
  void close();
}
