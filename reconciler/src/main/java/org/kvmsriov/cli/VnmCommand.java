package org.kvmsriov.cli;

import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.kvmsriov.actions.DriverCall;
import org.kvmsriov.app.HypervisorConnector;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;


@Command(name = "vnm", mixinStandardHelpOptions = true,
    header = "The sriov_partition network driver's steps (pre, post, clean, vnet_create, vnet_delete, update_sg).",
    description = {"Takes the VM template both ways OpenNebula sends it: base64 as the first argument",
        "(5.4-5.8) or base64 on stdin (5.10+). Acts only on NICs whose VN_MAD is sriov_partition and,",
        "during a NIC hot-plug, only on the NIC marked ATTACH=YES.",
        "pre: keeps the template, so deploy and restore know each NIC's VLAN_ID.",
        "post: a reconcile pass over the VM that maps each InfiniBand VF's partition from its VLAN_ID",
        "and re-programs drifted GUIDs and pkey maps.",
        "clean: releases at once the VFs of the NICs OpenNebula let go (never one a running domain",
        "holds), resetting GUIDs and pkey maps, and forgets the template once the VM's domain is gone."})
final class VnmCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin GlobalOptions global;

  @Parameters(index = "0", paramLabel = "STEP")
  String step;

  @Parameters(index = "1..*", arity = "0..*", paramLabel = "ARGS")
  List<String> args = new ArrayList<>();

  private final HypervisorConnector connector;
  private final Clock clock;
  private final InputStream stdin;

  VnmCommand(HypervisorConnector connector, Clock clock, InputStream stdin) {
    this.connector = connector;
    this.clock = clock;
    this.stdin = stdin;
  }

  @Override
  public Integer call() {
    // a network driver step never migrates, runs a stock script or waits for a shutdown
    return ErrorFrame.serve(spec, System.getenv(), (wiring, env) -> wiring.driverService(wiring.perRequest(),
        Path.of("/nonexistent"), Duration.ZERO, (host, argv) -> {
          throw new IllegalStateException("a network driver step does not reach other hosts");
        }, step -> { }), new DriverCall.Vnm(step, args), stdin, connector, clock, global);
  }
}
