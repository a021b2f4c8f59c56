package org.kvmsriov.cli;

import java.nio.file.Path;
import java.time.Clock;
import org.kvmsriov.config.HostStateLoader;
import org.kvmsriov.engine.Engine;
import org.kvmsriov.port.FabricView;
import org.kvmsriov.ledger.FileLedger;
import org.kvmsriov.ledger.ProcessOwners;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.kvmsriov.lease.VfUsageReport;
import org.kvmsriov.model.HostState;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.PfName;
import org.kvmsriov.model.PfSpec;
import org.kvmsriov.port.Hypervisor;
import org.kvmsriov.port.LeaseOwner;

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
    HostState host = HostStateLoader.load(global.state());
    FileLedger ledger = new FileLedger(global.ledgerDir());
    ProcessOwners owners = new ProcessOwners(Path.of("/"));
    FabricView fabric = new org.kvmsriov.adapters.sysfs.SysfsFabricView(global.sysfsRoot());
    Hypervisor h = connector.connect(global.libvirtUri(host));
    Engine engine = new Engine(host, h, fabric, ledger, owners.current(),
        o -> !(o instanceof LeaseOwner.Process p) || owners.isAlive(p), clock);
    return new EngineSession(host, h, ledger, engine, fabric);
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
    Map<PfName, List<PciAddress>> maps = new LinkedHashMap<>();
    for (PfSpec pf : host.pfs()) {
      try {
        maps.put(pf.name(), fabric.vfMap(pf));
      } catch (RuntimeException e) {
        if (!skipUnreadable) {
          throw e;
        }
        maps.put(pf.name(), List.of());
      }
    }
    return VfUsageReport.of(host.pfs(), maps, ledger.snapshot(), Optional.of(hypervisor.domains()));
  }

  @Override
  public void close() {
    hypervisor.close();
  }
}
