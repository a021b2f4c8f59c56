package org.kvmsriov.cli;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.kvmsriov.engine.PassResult;
import org.kvmsriov.ledger.FileLedger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import org.kvmsriov.app.HypervisorConnector;
import org.kvmsriov.actions.Failure;

@Command(name = "reconcile", mixinStandardHelpOptions = true,
    header = "Compare host.yaml and the ledger with libvirt and sysfs, and heal the difference.",
    description = {"Prints the plan, applies it (unless --dry-run) and prints what succeeded and failed.",
        "Exit 0: every action succeeded (reports need a human but are not failures); 1: some failed."})
final class ReconcileCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin GlobalOptions global;

  @Option(names = "--once", required = true, description = "Run one pass and exit (the daemon runs them periodically).")
  boolean once;

  @Option(names = "--dry-run", description = "Print the plan; change nothing.")
  boolean dryRun;

  @Option(names = "--json", description = "Print one JSON object; its actions array is empty when converged.")
  boolean json;

  @Option(names = "--domain", paramLabel = "NAME", description = "Only actions concerning this domain.")
  String domain;

  @Option(names = "--metrics-file", paramLabel = "FILE",
      description = "Also write Prometheus node_exporter textfile metrics here (atomically).")
  Path metricsFile;

  private final HypervisorConnector connector;
  private final Clock clock;

  ReconcileCommand(HypervisorConnector connector, Clock clock) {
    this.connector = connector;
    this.clock = clock;
  }

  @Override
  public Integer call() {
    try {
      return pass();
    } catch (RuntimeException e) {
      if (json) {
        PlanRenderer.jsonFailure(spec.commandLine().getOut(), dryRun, Failure.message(e));
      }
      throw e; // the message on stderr and the exit code, as without --json
    }
  }

  private int pass() {
    try (EngineSession s = EngineSession.open(global, connector, clock,
        dryRun ? FileLedger.Access.DRY_RUN : FileLedger.Access.WRITE)) {
      PassResult r = s.engine().reconcile(Optional.ofNullable(domain), dryRun);
      if (json) {
        PlanRenderer.json(spec.commandLine().getOut(), r, dryRun);
      } else {
        PlanRenderer.text(spec.commandLine().getOut(), r, dryRun);
      }
      spec.commandLine().getOut().flush();
      if (metricsFile != null && !dryRun) {
        Metrics.write(metricsFile, Metrics.of(s, r, clock.instant()));
      }
      return r.failed() ? 1 : 0;
    }
  }
}
