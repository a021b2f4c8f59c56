package org.kvmsriov.cli;

import java.nio.file.Path;
import java.time.Instant;
import org.kvmsriov.engine.Outcome;
import org.kvmsriov.engine.PassResult;
import org.kvmsriov.lease.VfUsageReport;
import org.kvmsriov.model.PfName;
import org.kvmsriov.plan.Action;

/**
 * Prometheus node_exporter textfile metrics, written atomically (temp file in the same
 * directory, then rename) so the collector never reads half a file.
 */
final class Metrics {

  private Metrics() {}

  /** The metrics after a pass: VF usage read fresh, plus what the pass did. */
  static String of(EngineSession s, PassResult r, Instant now) {
    VfUsageReport usage = s.usage(true);
    StringBuilder b = new StringBuilder();
    b.append("# HELP kvm_sriov_vfs VFs per PF by state.\n# TYPE kvm_sriov_vfs gauge\n");
    for (VfUsageReport.PfUsage pf : usage.pfs()) {
      b.append(line("kvm_sriov_vfs", pf.pf(), "total", pf.total()));
      b.append(line("kvm_sriov_vfs", pf.pf(), "free", pf.free()));
      b.append(line("kvm_sriov_vfs", pf.pf(), "leased", pf.leased()));
      b.append(line("kvm_sriov_vfs", pf.pf(), "missing", pf.missing()));
    }
    long healed = r.outcomes().stream().filter(o -> o.status() == Outcome.Status.DONE
        && o.action() instanceof Action.ReleaseStaleLease).count();
    long drift = r.plan().actions().stream()
        .filter(a -> !(a instanceof Action.Report) && !(a instanceof Action.AwaitGrace)).count();
    long waiting = r.plan().actions().stream().filter(a -> a instanceof Action.AwaitGrace).count();
    b.append("# HELP kvm_sriov_stale_leases_released Stale leases the last pass released.\n")
        .append("# TYPE kvm_sriov_stale_leases_released gauge\n")
        .append("kvm_sriov_stale_leases_released ").append(healed).append('\n');
    b.append("# HELP kvm_sriov_drift_found Actions the last pass planned, not counting grace waits.\n")
        .append("# TYPE kvm_sriov_drift_found gauge\n")
        .append("kvm_sriov_drift_found ").append(drift).append('\n');
    b.append("# HELP kvm_sriov_leases_waiting Leases whose domain does not hold their VF, inside their grace period.\n")
        .append("# TYPE kvm_sriov_leases_waiting gauge\n")
        .append("kvm_sriov_leases_waiting ").append(waiting).append('\n');
    b.append("# HELP kvm_sriov_actions_failed Actions of the last pass that failed.\n")
        .append("# TYPE kvm_sriov_actions_failed gauge\n")
        .append("kvm_sriov_actions_failed ").append(r.count(Outcome.Status.FAILED)).append('\n');
    b.append("# HELP kvm_sriov_pass_duration_seconds Wall time of the last pass.\n")
        .append("# TYPE kvm_sriov_pass_duration_seconds gauge\n")
        .append("kvm_sriov_pass_duration_seconds ").append(r.took().toMillis() / 1000.0).append('\n');
    if (!r.failed()) {
      b.append("# HELP kvm_sriov_last_success_timestamp_seconds When a pass last had no failure.\n")
          .append("# TYPE kvm_sriov_last_success_timestamp_seconds gauge\n")
          .append("kvm_sriov_last_success_timestamp_seconds ").append(now.getEpochSecond()).append('\n');
    }
    return b.toString();
  }

  private static String line(String name, PfName pf, String state, int value) {
    return name + "{pf=\"" + pf.value().replace("\\", "\\\\").replace("\"", "\\\"") + "\",state=\"" + state + "\"} "
        + value + "\n";
  }

  static void write(Path file, String text) {
    OutputFile.replace(file, text, "metrics");
  }
}
