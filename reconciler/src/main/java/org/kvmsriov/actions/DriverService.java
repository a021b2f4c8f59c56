package org.kvmsriov.actions;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.kvmsriov.config.InvalidInputException;
import org.kvmsriov.model.MacAddress;
import org.kvmsriov.model.VmId;
import org.kvmsriov.opennebula.DriverRequest;
import org.kvmsriov.opennebula.TmHook;
import org.kvmsriov.opennebula.VmNic;
import org.kvmsriov.opennebula.VmTemplate;
import org.kvmsriov.port.DriverException;
import org.kvmsriov.port.Ledger;
import org.kvmsriov.port.Owners;
import org.kvmsriov.port.RemoteDriver;
import org.kvmsriov.port.StockDriver;
import org.kvmsriov.port.TemplateStore;

/**
 * OpenNebula's driver calls on this host, served: one {@link #handle} per call, in whatever
 * process hosts it (a CLI process per call, or the resident daemon). Everything a call needs
 * comes in through its arguments and this service's ports; it writes only to the streams it is
 * given and keeps nothing between calls.
 */
public final class DriverService {

  /** OpenNebula's VM templates are a few KiB; a deployment file with many disks some tens. */
  public static final int MAX_STDIN = 8 << 20;

  /**
   * @param engines host.yaml and the engine, opened when a call needs them
   * @param ledger read without the lock to tell VMs without VFs (stock actions) apart
   * @param templates where the network driver's {@code pre} keeps VM templates
   * @param stock OpenNebula's own kvm scripts
   * @param remote kvm-sriov on other hosts (migration)
   * @param owners the request as lease owner
   * @param clock for names of moved-aside checkpoints
   * @param shutdownTimeout how long shutdown waits before destroying (OpenNebula's SHUTDOWN_TIMEOUT)
   * @param deploySteps told each step of deploy as it is reached; crash tests stop the process there
   */
  public record Ports(Engines engines, Ledger ledger, TemplateStore templates, StockDriver stock, RemoteDriver remote,
      Owners owners, Clock clock, Duration shutdownTimeout, Consumer<String> deploySteps) {}

  private final Ports ports;

  public DriverService(Ports ports) {
    this.ports = ports;
  }

  /**
   * Serves one call.
   *
   * @return the exit code OpenNebula reads: 0, 1 (the action failed, nothing half-done), 2 (bad
   *     input, nothing changed); a failure is also written to {@code stderr} in OpenNebula's frame
   */
  public int handle(DriverCall call, InputStream stdin, OutputStream stdout, OutputStream stderr, Caller caller) {
    PrintWriter out = new PrintWriter(new OutputStreamWriter(stdout, StandardCharsets.UTF_8), true);
    PrintWriter err = new PrintWriter(new OutputStreamWriter(stderr, StandardCharsets.UTF_8), true);
    Call c = new Call(call, stdin, stdout, stderr, out, err, caller);
    try {
      int code = call instanceof DriverCall.Vmm v ? c.vmm(v) : new NetworkSteps(ports, c).run((DriverCall.Vnm) call);
      out.flush();
      return code;
    } catch (InvalidInputException e) {
      out.flush();
      Frame.print(err, e.getMessage());
      return 2;
    } catch (Throwable e) { // an Error too: one framed line, the action undone by whoever caught it first
      out.flush();
      Frame.print(err, Failure.message(e));
      Failure.traceIfAsked(e, err, caller.env());
      return 1;
    }
  }

  /** One call being served: its streams and what it read. */
  final class Call {
    final DriverCall call;
    final InputStream stdin;
    final OutputStream stdout;
    final OutputStream stderr;
    final PrintWriter out;
    final PrintWriter err;
    final Caller caller;

    Call(DriverCall call, InputStream stdin, OutputStream stdout, OutputStream stderr, PrintWriter out,
        PrintWriter err, Caller caller) {
      this.call = call;
      this.stdin = stdin;
      this.stdout = stdout;
      this.stderr = stderr;
      this.out = out;
      this.err = err;
      this.caller = caller;
    }

    private int vmm(DriverCall.Vmm v) {
      String action = v.action();
      List<String> args = v.args();
      DriverRequest req = DriverRequest.parse(action, args);
      if (req instanceof DriverRequest.Passthrough p) {
        return stock(p.action(), readStdin(action));
      }
      if (req instanceof DriverRequest.Poll) {
        return stock("poll", new byte[0]);
      }
      if (req instanceof DriverRequest.AttachNic a && !a.bridge().startsWith("sriov_")) {
        return stock(action, readStdin(action));
      }
      byte[] input = readStdin(action);
      if (SriovFootprint.of(ports.ledger().snapshot(), req.vmId()).leavesToStock(req)) {
        return stock(action, input); // a VM without VFs migrates, saves and restores the stock way
      }
      VmId vm = new VmId(req.vmId());
      // refused before anything is touched: TM_MAD names a script to run
      Optional<TmHook> hook = req instanceof DriverRequest.Save || req instanceof DriverRequest.Restore
          ? TmHook.of(action, input) : Optional.empty();
      try (Engines.Handle h = ports.engines().open()) {
        VmRequest r = new VmRequest(h.engine(), ports.owners().current(), err);
        TemplateStore templates = ports.templates();
        if (req instanceof DriverRequest.Deploy d) {
          String xml = new String(input, StandardCharsets.UTF_8);
          Optional<Path> dir = Optional.ofNullable(d.file().getParent());
          Optional<VmTemplate> t = templates.load(vm, dir);
          String id = new Deploy(r, ports.deploySteps()).run(vm, d.file(), xml, mac -> vlanOf(t, mac));
          out.println(id);
        } else if (req instanceof DriverRequest.Shutdown d) {
          new Lifecycle(r, ports.shutdownTimeout()).shutdown(d.deployId(), vm);
          templates.forget(vm);
        } else if (req instanceof DriverRequest.Cancel d) {
          new Lifecycle(r, ports.shutdownTimeout()).cancel(d.deployId(), vm);
          templates.forget(vm);
        } else if (req instanceof DriverRequest.Save d) {
          moveAside(d.checkpoint());
          new SaveRestore(r).save(d.deployId(), d.checkpoint(), vm);
          // saved and parked: a failing hook loses nothing, the NICs wait for the restore
          runHook(hook, input, "the VM is saved to " + d.checkpoint() + ", its SR-IOV NICs parked for its restore");
        } else if (req instanceof DriverRequest.Restore d) {
          runHook(hook, input, "nothing was restored or leased");
          // pre stored the template before this restore; 6.x also left vm.xml beside the checkpoint
          new SaveRestore(r).restore(d.checkpoint(), vm,
              nics(templates.load(vm, Optional.ofNullable(d.checkpoint().getParent()))));
          removeCheckpoint(d.checkpoint());
        } else if (req instanceof DriverRequest.Migrate d) {
          new Migration(r).migrate(d.deployId(), d.destHost(), vm, ports.remote());
        } else if (req instanceof DriverRequest.MigrateInReserve d) {
          new Migration(r).reserve(vm, d.nics());
        } else if (req instanceof DriverRequest.MigrateInAttach) {
          new Migration(r).attach(vm);
        } else if (req instanceof DriverRequest.MigrateInAbort) {
          new Migration(r).abort(vm);
        } else if (req instanceof DriverRequest.AttachNic d) {
          Optional<String> vlan = input.length == 0 ? Optional.empty()
              : VmTemplate.parse(new String(input, StandardCharsets.UTF_8)).nics().stream()
                  .filter(n -> n.mac().equals(d.mac())).findFirst().flatMap(VmNic::vlanId);
          new Hotplug(r).attach(d.deployId(), vm, d.mac(), d.bridge(), vlan);
        } else if (req instanceof DriverRequest.DetachNic d) {
          if (!new Hotplug(r).detach(d.deployId(), vm, d.mac())) {
            return stock(action, input);
          }
        } else {
          throw new InvalidInputException("driver action '" + action + "' with SR-IOV NICs is not supported by this"
              + " version of kvm-sriov");
        }
        return 0;
      }
    }

    /** Keeps an earlier checkpoint as {@code <file>.<epoch>}, as the stock save does, rather than overwrite it. */
    private void moveAside(Path checkpoint) {
      if (Files.exists(checkpoint, LinkOption.NOFOLLOW_LINKS)) {
        Path aside = checkpoint.resolveSibling(checkpoint.getFileName() + "." + ports.clock().instant().getEpochSecond());
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
        err.println("WARNING: cannot remove checkpoint " + checkpoint + ": " + e.getMessage());
        err.flush();
      }
    }

    /** Runs the system datastore's hook, if any; its failure is the action's ({@code state} says where that leaves the VM). */
    private void runHook(Optional<TmHook> hook, byte[] input, String state) {
      if (hook.isPresent() && ports.stock().has(hook.get().script())) {
        out.flush();
        int code = ports.stock().run(hook.get().script(), call.args(), input, stdout, stderr, caller.env());
        if (code != 0) {
          throw new DriverException("system datastore hook " + hook.get().script() + " failed (exit " + code + "); "
              + state);
        }
      }
    }

    /** Runs OpenNebula's own kvm script for an action where SR-IOV plays no part. */
    int stock(String name, byte[] input) {
      out.flush();
      err.flush();
      // name is one of DriverRequest's known actions
      return ports.stock().run(name, call.args(), input, stdout, stderr, caller.env());
    }

    byte[] readStdin(String what) {
      try {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        byte[] chunk = new byte[65536];
        int n;
        while ((n = stdin.read(chunk)) > 0) {
          buf.write(chunk, 0, n);
          if (buf.size() > MAX_STDIN) {
            throw new InvalidInputException(what + ": stdin is larger than " + MAX_STDIN + " bytes");
          }
        }
        return buf.toByteArray();
      } catch (IOException e) {
        throw new InvalidInputException(what + ": cannot read stdin: " + e.getMessage());
      }
    }
  }

  private static List<VmNic> nics(Optional<VmTemplate> t) {
    return t.map(VmTemplate::nics).orElse(List.of());
  }

  /** A NIC's VLAN_ID by its MAC, from the VM's template, when known. */
  private static Optional<String> vlanOf(Optional<VmTemplate> t, MacAddress mac) {
    return t.flatMap(tt -> tt.nics().stream().filter(n -> n.mac().equals(mac)).findFirst()).flatMap(VmNic::vlanId);
  }
}
