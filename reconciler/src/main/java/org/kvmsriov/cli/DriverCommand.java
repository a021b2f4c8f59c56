package org.kvmsriov.cli;

import java.io.InputStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.kvmsriov.actions.DriverCall;
import org.kvmsriov.adapters.ssh.SshRemoteDriver;
import org.kvmsriov.app.HypervisorConnector;
import org.kvmsriov.port.RemoteDriver;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;


@Command(name = "driver", mixinStandardHelpOptions = true,
    header = "An OpenNebula VMM action (what the kvm-sriov remotes exec).",
    description = {"ACTION and ARGS exactly as OpenNebula's exec driver passes them (VM id and host",
        "appended); stdin as it sends it. deploy prints the deploy id. Failures are written to",
        "stderr between ERROR MESSAGE --8<------ and ERROR MESSAGE ------>8-- and exit non-zero.",
        "Actions without SR-IOV work (reboot, reset, poll, attach_disk, ...) run the stock kvm script."})
final class DriverCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin GlobalOptions global;

  @Mixin DriverOptions options;

  @Parameters(index = "0", paramLabel = "ACTION", description = "deploy, shutdown, cancel, save, restore, migrate, attach_nic, detach_nic, ...")
  String action;

  @Parameters(index = "1..*", arity = "0..*", paramLabel = "ARGS")
  List<String> args = new ArrayList<>();

  private final HypervisorConnector connector;
  private final Clock clock;
  private final InputStream stdin;
  private final RemoteDriver remote;

  DriverCommand(HypervisorConnector connector, Clock clock, InputStream stdin) {
    this(connector, clock, stdin, null);
  }

  /** @param remote how migrate reaches kvm-sriov on the destination (tests run it in-process); null: ssh */
  DriverCommand(HypervisorConnector connector, Clock clock, InputStream stdin, RemoteDriver remote) {
    this.connector = connector;
    this.clock = clock;
    this.stdin = stdin;
    this.remote = remote;
  }

  @Override
  public Integer call() {
    return ErrorFrame.serve(spec, System.getenv(), (wiring, env) -> wiring.driverService(wiring.perRequest(), options.stockDir,
        options.shutdownTimeout(), remote != null ? remote : new SshRemoteDriver(300, env), step -> { }), new DriverCall.Vmm(action, args), stdin, connector,
        clock, global);
  }
}
