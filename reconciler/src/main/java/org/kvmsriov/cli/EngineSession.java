package org.kvmsriov.cli;

import java.nio.file.Path;
import java.time.Clock;
import org.kvmsriov.config.HostStateLoader;
import org.kvmsriov.engine.Engine;
import org.kvmsriov.engine.FabricView;
import org.kvmsriov.ledger.FileLedger;
import org.kvmsriov.ledger.ProcessOwners;
import org.kvmsriov.model.HostState;
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

  @Override
  public void close() {
    hypervisor.close();
  }
}
