package org.kvmsriov.cli;

import org.kvmsriov.app.Wiring;
import java.time.Clock;
import org.kvmsriov.engine.Engine;
import org.kvmsriov.port.FabricView;
import org.kvmsriov.ledger.FileLedger;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.kvmsriov.lease.VfUsageReport;
import org.kvmsriov.model.HostState;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.PfName;
import org.kvmsriov.model.PfSpec;
import org.kvmsriov.port.DomainInfo;
import org.kvmsriov.port.Hypervisor;
import org.kvmsriov.port.LedgerState;
import org.kvmsriov.app.HypervisorConnector;

/**
 * An {@link Engine} wired to this host's adapters for one command: host.yaml loaded and
 * validated, libvirt connected, the ledger and sysfs rooted where the global options say.
 * Closing it disconnects libvirt.
 */
final class EngineSession implements AutoCloseable {

  private final Hypervisor hypervisor;
  private final Engine engine;
  private final FileLedger ledger;
  private final HostState host;
  private final FabricView fabric;

  private EngineSession(HostState host, Hypervisor hypervisor, FileLedger ledger, Engine engine, FabricView fabric) {
    this.host = host;
    this.fabric = fabric;
    this.hypervisor = hypervisor;
    this.ledger = ledger;
    this.engine = engine;
  }

  static EngineSession open(GlobalOptions global, HypervisorConnector connector, Clock clock) {
    return open(global, connector, clock, FileLedger.Access.WRITE);
  }

  /** As {@link #open(GlobalOptions, HypervisorConnector, Clock)}, using the ledger only as {@code access} allows. */
  static EngineSession open(GlobalOptions global, HypervisorConnector connector, Clock clock,
      FileLedger.Access access) {
    Wiring wiring = new Wiring(global.host(), connector, clock, access);
    HostState host = wiring.desired();
    Hypervisor h = connector.connect(global.libvirtUri(host));
    Engine engine = new Engine(wiring.context(host, h));
    return new EngineSession(host, h, (FileLedger) wiring.ledger(), engine, wiring.fabric());
  }

  Engine engine() {
    return engine;
  }

  FabricView fabric() {
    return fabric;
  }

  Hypervisor hypervisor() {
    return hypervisor;
  }

  FileLedger ledger() {
    return ledger;
  }

  HostState host() {
    return host;
  }

  /**
   * VF usage per PF, read fresh: maps, the ledger as last committed, libvirt's domains.
   *
   * @param skipUnreadable count a PF whose VFs cannot be read as having none (metrics must still
   *     be written) instead of failing (the probe must not report a wrong count)
   */
  VfUsageReport usage(boolean skipUnreadable) {
    return usage(host, fabric, ledger.snapshot(), Optional.of(hypervisor.domains()), skipUnreadable);
  }

  /**
   * VF usage per PF from what was read: each VF of a PF's map checked in sysfs, so a VF the host
   * does not have is reported missing, never free.
   */
  static VfUsageReport usage(HostState host, FabricView fabric, LedgerState ledger,
      Optional<List<DomainInfo>> domains, boolean skipUnreadable) {
    Map<PfName, List<PciAddress>> maps = new LinkedHashMap<>();
    Map<PciAddress, String> missing = new HashMap<>();
    for (PfSpec pf : host.pfs()) {
      try {
        List<PciAddress> vfs = fabric.vfMap(pf);
        for (PciAddress vf : vfs) {
          fabric.unusable(pf, vf).ifPresent(why -> missing.put(vf, why));
        }
        maps.put(pf.name(), vfs);
      } catch (RuntimeException e) {
        if (!skipUnreadable) {
          throw e;
        }
        maps.put(pf.name(), List.of());
      }
    }
    return VfUsageReport.of(host.pfs(), maps, missing, ledger, domains);
  }

  @Override
  public void close() {
    hypervisor.close();
  }
}
