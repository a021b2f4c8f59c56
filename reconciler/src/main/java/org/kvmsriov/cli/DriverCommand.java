package org.kvmsriov.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.kvmsriov.config.InvalidInputException;
import org.kvmsriov.opennebula.DriverRequest;
import org.kvmsriov.opennebula.VmNic;
import org.kvmsriov.opennebula.VmTemplate;
import org.kvmsriov.engine.DriverActions;
import org.kvmsriov.port.DriverException;
import org.kvmsriov.engine.TemplateStore;
import org.kvmsriov.ledger.ProcessOwners;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "driver", mixinStandardHelpOptions = true,
    header = "An OpenNebula VMM action (what the kvm-sriov remotes exec).",
    description = {"ACTION and ARGS exactly as OpenNebula's exec driver passes them (VM id and host",
        "appended); stdin as it sends it. deploy prints the deploy id. Failures are written to",
        "stderr between ERROR MESSAGE --8<------ and ERROR MESSAGE ------>8-- and exit non-zero.",
        "Actions without SR-IOV work (reboot, reset, poll, attach_disk, ...) run the stock kvm script."})
final class DriverCommand implements Callable<Integer> {

  static final int MAX_STDIN = 8 << 20;

  @Spec CommandSpec spec;
  @Mixin GlobalOptions global;

  @Option(names = "--stock-dir", paramLabel = "DIR", defaultValue = "${KVM_SRIOV_STOCK_DIR:-/var/tmp/one/vmm/kvm}",
      description = "OpenNebula's stock kvm remotes, for actions without SR-IOV work (env KVM_SRIOV_STOCK_DIR;"
          + " default: ${DEFAULT-VALUE}).")
  Path stockDir;

  @Option(names = "--shutdown-timeout", paramLabel = "SECONDS", defaultValue = "300",
      description = "How long shutdown waits before destroying (OpenNebula's SHUTDOWN_TIMEOUT; default ${DEFAULT-VALUE}).")
  long shutdownTimeout;

  @Parameters(index = "0", paramLabel = "ACTION", description = "deploy, shutdown, cancel, save, restore, migrate, attach_nic, detach_nic, ...")
  String action;

  @Parameters(index = "1..*", arity = "0..*", paramLabel = "ARGS")
  List<String> args = new ArrayList<>();

  private final HypervisorConnector connector;
  private final Clock clock;
  private final InputStream stdin;
  private final org.kvmsriov.port.RemoteDriver remote;

  DriverCommand(HypervisorConnector connector, Clock clock, InputStream stdin) {
    this(connector, clock, stdin, new org.kvmsriov.adapters.ssh.SshRemoteDriver(300));
  }

  /** @param remote how migrate reaches kvm-sriov on the destination (tests run it in-process) */
  DriverCommand(HypervisorConnector connector, Clock clock, InputStream stdin, org.kvmsriov.port.RemoteDriver remote) {
    this.connector = connector;
    this.clock = clock;
    this.stdin = stdin;
    this.remote = remote;
  }

  @Override
  public Integer call() {
    return ErrorFrame.run(spec, this::run);
  }


  private int run() {
    DriverRequest req = DriverRequest.parse(action, args);
    if (req instanceof DriverRequest.Passthrough p) {
      return stock(p.action(), args, readStdin());
    }
    if (req instanceof DriverRequest.Poll) {
      return stock("poll", args, new byte[0]);
    }
    if (req instanceof DriverRequest.AttachNic a && !a.bridge().startsWith("sriov_")) {
      return stock(action, args, readStdin());
    }
    byte[] input = readStdin();
    if (SriovFootprint.of(new org.kvmsriov.ledger.FileLedger(global.ledgerDir()).snapshot(), req.vmId())
        .leavesToStock(req)) {
      return stock(action, args, input); // a VM without VFs migrates, saves and restores the stock way
    }
    // refused before anything is touched: TM_MAD names a script to run
    Optional<TmHook> hook = req instanceof DriverRequest.Save || req instanceof DriverRequest.Restore
        ? TmHook.of(action, input) : Optional.empty();
    try (EngineSession s = EngineSession.open(global, connector, clock)) {
      ProcessOwners owners = new ProcessOwners(Path.of("/"));
      DriverActions actions = new DriverActions(s.host(), s.hypervisor(), s.fabric(), s.ledger(), owners.current(),
          clock, spec.commandLine().getErr(), Duration.ofSeconds(shutdownTimeout), Duration.ofSeconds(30));
      TemplateStore templates = new TemplateStore(global.ledgerDir());
      if (req instanceof DriverRequest.Deploy d) {
        String xml = new String(input, StandardCharsets.UTF_8);
        LedgerBypass.refuse(xml, s.host(), s.fabric());
        Optional<Path> dir = Optional.ofNullable(d.file().getParent());
        String id = actions.deploy(d.vmId(), d.file(), xml, TemplateStore.vlans(templates.load(d.vmId(), dir)));
        spec.commandLine().getOut().println(id);
      } else if (req instanceof DriverRequest.Shutdown d) {
        actions.shutdown(d.deployId(), d.vmId());
        templates.forget(d.vmId());
      } else if (req instanceof DriverRequest.Cancel d) {
        actions.cancel(d.deployId(), d.vmId());
        templates.forget(d.vmId());
      } else if (req instanceof DriverRequest.Save d) {
        moveAside(d.checkpoint());
        actions.save(d.deployId(), d.checkpoint(), d.vmId());
        // saved and parked: a failing hook loses nothing, the NICs wait for the restore
        runHook(hook, input, "the VM is saved to " + d.checkpoint() + ", its SR-IOV NICs parked for its restore");
      } else if (req instanceof DriverRequest.Restore d) {
        runHook(hook, input, "nothing was restored or leased");
        // pre stored the template before this restore; 6.x also left vm.xml beside the checkpoint
        actions.restore(d.checkpoint(), d.deployId(), d.vmId(),
            nics(templates.load(d.vmId(), Optional.ofNullable(d.checkpoint().getParent()))));
        removeCheckpoint(d.checkpoint());
      } else if (req instanceof DriverRequest.Migrate d) {
        actions.migrate(d.deployId(), d.destHost(), d.vmId(), remote);
      } else if (req instanceof DriverRequest.MigrateInReserve d) {
        actions.migrateInReserve(d.vmId(), d.nics());
      } else if (req instanceof DriverRequest.MigrateInAttach d) {
        actions.migrateInAttach(d.vmId(), nics(templates.load(d.vmId(), Optional.empty())));
      } else if (req instanceof DriverRequest.MigrateInAbort d) {
        actions.migrateInAbort(d.vmId());
      } else if (req instanceof DriverRequest.AttachNic d) {
        Optional<String> vlan = input.length == 0 ? Optional.empty()
            : VmTemplate.parse(new String(input, StandardCharsets.UTF_8)).nics().stream()
                .filter(n -> n.mac().equals(d.mac())).findFirst().flatMap(VmNic::vlanId);
        actions.attachNic(d.deployId(), d.vmId(), d.mac(), d.bridge(), vlan);
      } else if (req instanceof DriverRequest.DetachNic d) {
        if (!actions.detachNic(d.deployId(), d.vmId(), d.mac())) {
          return stock(action, args, input);
        }
      } else {
        throw new InvalidInputException("driver action '" + action + "' with SR-IOV NICs is not supported by this"
            + " version of kvm-sriov");
      }
      spec.commandLine().getOut().flush();
      return 0;
    }
  }

  private static List<VmNic> nics(Optional<VmTemplate> t) {
    return t.map(VmTemplate::nics).orElse(List.of());
  }

  /** Keeps an earlier checkpoint as {@code <file>.<epoch>}, as the stock save does, rather than overwrite it. */
  private void moveAside(Path checkpoint) {
    if (Files.exists(checkpoint, LinkOption.NOFOLLOW_LINKS)) {
      Path aside = checkpoint.resolveSibling(checkpoint.getFileName() + "." + clock.instant().getEpochSecond());
      try {
        Files.move(checkpoint, aside, StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot move the old checkpoint " + checkpoint + " to " + aside + ": "
            + e.getMessage(), e);
      }
    }
  }

  /** The stock restore removes the checkpoint once the VM runs again; failing to is no failure of the restore. */
  private void removeCheckpoint(Path checkpoint) {
    try {
      Files.deleteIfExists(checkpoint);
    } catch (IOException e) {
      spec.commandLine().getErr().println("WARNING: cannot remove checkpoint " + checkpoint + ": " + e.getMessage());
    }
  }

  /** Runs the system datastore's hook, if any; its failure is the action's ({@code state} says where that leaves the VM). */
  private void runHook(Optional<TmHook> hook, byte[] input, String state) {
    if (hook.isPresent()) {
      int code = hook.get().run(stockDir, args, input, spec.commandLine().getOut());
      if (code != 0) {
        throw new DriverException("system datastore hook " + hook.get().script() + " failed (exit " + code + "); "
            + state);
      }
    }
  }

  private byte[] readStdin() {
    try {
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      byte[] chunk = new byte[65536];
      int n;
      while ((n = stdin.read(chunk)) > 0) {
        buf.write(chunk, 0, n);
        if (buf.size() > MAX_STDIN) {
          throw new InvalidInputException(action + ": stdin is larger than " + MAX_STDIN + " bytes");
        }
      }
      return buf.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read stdin: " + e.getMessage(), e);
    }
  }

  /** Runs OpenNebula's own kvm script for an action where SR-IOV plays no part. */
  private int stock(String name, List<String> argv, byte[] input) {
    // name is one of DriverRequest's known actions
    return StockScript.run(stockDir.resolve(name), argv, input, spec.commandLine().getOut());
  }
}
