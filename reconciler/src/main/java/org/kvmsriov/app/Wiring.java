package org.kvmsriov.app;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
import org.kvmsriov.actions.DriverService;
import org.kvmsriov.actions.Engines;
import org.kvmsriov.adapters.SubnetManagers;
import org.kvmsriov.adapters.opennebula.FileTemplateStore;
import org.kvmsriov.adapters.opennebula.StockScripts;
import org.kvmsriov.adapters.sysfs.SysfsFabricView;
import org.kvmsriov.config.HostStateLoader;
import org.kvmsriov.engine.Engine;
import org.kvmsriov.engine.EngineContext;
import org.kvmsriov.ledger.FileLedger;
import org.kvmsriov.ledger.ProcessOwners;
import org.kvmsriov.model.HostState;
import org.kvmsriov.port.FabricView;
import org.kvmsriov.port.Hypervisor;
import org.kvmsriov.port.Ledger;
import org.kvmsriov.port.Owners;
import org.kvmsriov.port.RemoteDriver;

/**
 * The composition root: the one place adapters are chosen and the engine and the driver service
 * are assembled from them, for the CLI's commands and the daemon alike.
 */
public final class Wiring {

  /**
   * Where this host's state lives (the global options, resolved).
   *
   * @param libvirtUri the URI asked for; empty: host.yaml's, else {@code qemu:///system}
   */
  public record Host(Path state, Path ledgerDir, Path sysfsRoot, Optional<String> libvirtUri) {

    /** The one place the URI fallback is decided: flag/env, then host.yaml, then qemu:///system. */
    public String uri(HostState desired) {
      return libvirtUri.filter(s -> !s.isBlank()).or(desired::libvirtUri).orElse(HostState.DEFAULT_LIBVIRT_URI);
    }
  }

  private final Host host;
  private final HypervisorConnector connector;
  private final Clock clock;
  private final Owners owners;
  private final FileLedger ledger;
  private final FabricView fabric;

  public Wiring(Host host, HypervisorConnector connector, Clock clock) {
    this(host, connector, clock, FileLedger.Access.WRITE);
  }

  /** @param access what the command may do with the ledger directory (a dry run creates nothing) */
  public Wiring(Host host, HypervisorConnector connector, Clock clock, FileLedger.Access access) {
    this.host = host;
    this.connector = connector;
    this.clock = clock;
    this.owners = new ProcessOwners(Path.of("/"));
    this.ledger = new FileLedger(host.ledgerDir(), access);
    this.fabric = new SysfsFabricView(host.sysfsRoot());
  }

  public Ledger ledger() {
    return ledger;
  }

  public FabricView fabric() {
    return fabric;
  }

  public Owners owners() {
    return owners;
  }

  /** host.yaml, loaded and validated now. */
  public HostState desired() {
    return HostStateLoader.load(host.state());
  }

  /** The engine for {@code desired} over a freshly connected hypervisor (closed by the caller). */
  public EngineContext context(HostState desired, Hypervisor hypervisor) {
    java.util.Map<String, org.kvmsriov.port.SubnetManager> sms = new java.util.LinkedHashMap<>();
    desired.subnetManagers().forEach(s -> sms.put(s.name(), SubnetManagers.open(s)));
    return new EngineContext(desired, hypervisor, fabric, ledger, owners, clock, EngineContext.DEFAULT_DETACH_TIMEOUT,
        sms);
  }

  /**
   * An engine for reports that change nothing ({@code status}), over {@code hypervisor}: no
   * subnet manager is opened, as a report does not ask them.
   */
  public Engine reportEngine(HostState desired, Hypervisor hypervisor) {
    return new Engine(new EngineContext(desired, hypervisor, fabric, ledger, owners, clock,
        EngineContext.DEFAULT_DETACH_TIMEOUT));
  }

  /**
   * Engines for one request: host.yaml read once, libvirt connected when the request needs the
   * engine and disconnected when it is done with it.
   */
  public Engines perRequest() {
    return new Engines() {
      private HostState desired;

      @Override
      public HostState desired() {
        if (desired == null) {
          desired = Wiring.this.desired();
        }
        return desired;
      }

      @Override
      public Optional<HostState> declared() {
        return java.nio.file.Files.exists(host.state()) ? Optional.of(desired()) : Optional.empty();
      }

      @Override
      public Handle open() {
        HostState d = desired();
        Hypervisor h = connector.connect(host.uri(d));
        Engine engine = new Engine(context(d, h));
        return new Handle() {
          @Override
          public Engine engine() {
            return engine;
          }

          @Override
          public void close() {
            h.close();
          }
        };
      }
    };
  }

  /**
   * The driver service over this host's adapters.
   *
   * @param stockDir OpenNebula's stock kvm remotes
   * @param remote how migrate reaches kvm-sriov on the destination
   * @param deploySteps told each step of deploy (crash tests)
   */
  public DriverService driverService(Engines engines, Path stockDir, Duration shutdownTimeout, RemoteDriver remote,
      Consumer<String> deploySteps) {
    return new DriverService(new DriverService.Ports(engines, ledger, new FileTemplateStore(host.ledgerDir()),
        new StockScripts(stockDir), remote, owners, clock, shutdownTimeout, deploySteps));
  }
}
