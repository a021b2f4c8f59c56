package org.kvmsriov.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.kvmsriov.engine.Outcome;
import org.kvmsriov.engine.PassResult;
import org.kvmsriov.io.AtomicFiles;
import org.kvmsriov.lease.VfUsageReport;
import org.kvmsriov.model.PfName;
import org.kvmsriov.plan.Action;

/**
 * The Prometheus node_exporter textfile ({@code --metrics-file}), kept by the conventions: counters
 * end in {@code _total} and only go up, from pass to pass and across restarts (they start from the
 * values the file already holds, so {@code reconcile --once} from a timer counts on too);
 * {@code kvm_sriov_last_success_timestamp_seconds} keeps its value through failed passes, so a
 * staleness alert works; the file is world-readable and replaced atomically.
 */
final class Metrics {

  /** The counters, in the order they are written. */
  enum Counter {
    PASSES("kvm_sriov_passes_total", "Reconcile passes run."),
    PASS_FAILURES("kvm_sriov_pass_failures_total",
        "Passes that failed: could not run (host.yaml, ledger, libvirt), or an action failed."),
    DRIFT_FOUND("kvm_sriov_drift_found_total", "Actions passes planned to heal drift."),
    STALE_LEASES_RELEASED("kvm_sriov_stale_leases_released_total", "Stale leases passes released."),
    ACTIONS_FAILED("kvm_sriov_actions_failed_total", "Actions that failed.");

    final String metric;
    final String help;

    Counter(String metric, String help) {
      this.metric = metric;
      this.help = help;
    }
  }

  static final String LAST_SUCCESS = "kvm_sriov_last_success_timestamp_seconds";

  private final Path file;
  private final Map<Counter, Long> counters = new HashMap<>();
  private Optional<Long> lastSuccess;

  private Metrics(Path file, Map<Counter, Long> counters, Optional<Long> lastSuccess) {
    this.file = file;
    this.counters.putAll(counters);
    this.lastSuccess = lastSuccess;
  }

  /** The textfile at {@code file}, counting on from what it holds (nothing when it does not exist). */
  static Metrics at(Path file) {
    Map<Counter, Long> counters = new HashMap<>();
    Optional<Long> lastSuccess = Optional.empty();
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      lines = List.of();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read metrics from " + file + ": " + e.getMessage(), e);
    }
    for (String line : lines) {
      String[] f = line.split(" ");
      if (line.startsWith("#") || f.length != 2) {
        continue;
      }
      Optional<Long> value = wholeNumber(f[1]);
      if (f[0].equals(LAST_SUCCESS)) {
        lastSuccess = value;
      }
      for (Counter c : Counter.values()) {
        if (f[0].equals(c.metric)) {
          value.ifPresent(v -> counters.put(c, v));
        }
      }
    }
    return new Metrics(file, counters, lastSuccess);
  }

  private static Optional<Long> wholeNumber(String s) {
    try {
      return Optional.of((long) Double.parseDouble(s)).filter(v -> v >= 0);
    } catch (NumberFormatException e) {
      return Optional.empty(); // a value someone else wrote: start that series afresh
    }
  }

  long count(Counter c) {
    return counters.getOrDefault(c, 0L);
  }

  Optional<Long> lastSuccess() {
    return lastSuccess;
  }

  /** A pass ran: count it and write the file, with VF usage read fresh from the session. */
  void passed(EngineSession s, PassResult r, Instant now) {
    add(Counter.PASSES, 1);
    add(Counter.PASS_FAILURES, r.failed() ? 1 : 0);
    add(Counter.DRIFT_FOUND, r.plan().actions().stream()
        .filter(a -> !(a instanceof Action.Report) && !(a instanceof Action.AwaitGrace)).count());
    add(Counter.STALE_LEASES_RELEASED, r.outcomes().stream()
        .filter(o -> o.status() == Outcome.Status.DONE && o.action() instanceof Action.ReleaseStaleLease).count());
    add(Counter.ACTIONS_FAILED, r.count(Outcome.Status.FAILED));
    if (!r.failed()) {
      lastSuccess = Optional.of(now.getEpochSecond());
    }
    write(render(Optional.of(s.usage(true)), Optional.of(r), now));
  }

  /**
   * A pass could not run at all: count it and write the file without the VF gauges (nothing was
   * read), keeping the last success.
   */
  void failed(Instant now) {
    add(Counter.PASSES, 1);
    add(Counter.PASS_FAILURES, 1);
    write(render(Optional.empty(), Optional.empty(), now));
  }

  private void add(Counter c, long n) {
    counters.merge(c, n, Long::sum);
  }

  private String render(Optional<VfUsageReport> usage, Optional<PassResult> pass, Instant now) {
    StringBuilder b = new StringBuilder();
    usage.ifPresent(u -> {
      header(b, "kvm_sriov_vfs", "gauge", "VFs per PF by state (total, free, leased, missing).");
      for (VfUsageReport.PfUsage pf : u.pfs()) {
        b.append(labelled("kvm_sriov_vfs", pf.pf(), "state", "total", pf.total()));
        b.append(labelled("kvm_sriov_vfs", pf.pf(), "state", "free", pf.free()));
        b.append(labelled("kvm_sriov_vfs", pf.pf(), "state", "leased", pf.leased()));
        b.append(labelled("kvm_sriov_vfs", pf.pf(), "state", "missing", pf.missing()));
      }
      header(b, "kvm_sriov_stale_leases", "gauge",
          "Leases marked attached whose VF no running domain holds (released after the grace period).");
      for (VfUsageReport.PfUsage pf : u.pfs()) {
        long stale = pf.drift().stream().filter(d -> d instanceof VfUsageReport.AttachedNotHeld).count();
        b.append(labelled("kvm_sriov_stale_leases", pf.pf(), null, null, stale));
      }
    });
    for (Counter c : Counter.values()) {
      header(b, c.metric, "counter", c.help);
      b.append(c.metric).append(' ').append(count(c)).append('\n');
    }
    pass.ifPresent(r -> {
      header(b, "kvm_sriov_leases_waiting", "gauge",
          "Leases whose domain does not hold their VF, inside their grace period (last pass).");
      b.append("kvm_sriov_leases_waiting ")
          .append(r.plan().actions().stream().filter(a -> a instanceof Action.AwaitGrace).count()).append('\n');
      header(b, "kvm_sriov_pass_duration_seconds", "gauge", "Wall time of the last pass.");
      b.append("kvm_sriov_pass_duration_seconds ").append(r.took().toMillis() / 1000.0).append('\n');
    });
    header(b, "kvm_sriov_last_pass_timestamp_seconds", "gauge", "When the last pass ended, failed or not.");
    b.append("kvm_sriov_last_pass_timestamp_seconds ").append(now.getEpochSecond()).append('\n');
    lastSuccess.ifPresent(t -> {
      header(b, LAST_SUCCESS, "gauge", "When a pass last ran with no failure (kept through failed passes).");
      b.append(LAST_SUCCESS).append(' ').append(t).append('\n');
    });
    return b.toString();
  }

  private static void header(StringBuilder b, String metric, String type, String help) {
    b.append("# HELP ").append(metric).append(' ').append(help).append('\n')
        .append("# TYPE ").append(metric).append(' ').append(type).append('\n');
  }

  private static String labelled(String metric, PfName pf, String label, String value, long n) {
    return metric + "{pf=\"" + escape(pf.value()) + "\"" + (label == null ? "" : "," + label + "=\"" + value + "\"")
        + "} " + n + "\n";
  }

  private static String escape(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"");
  }

  /**
   * Replaced atomically, so the collector never reads half a file; always 0644 (node_exporter
   * runs as another user), even over a file an older version left 0600.
   */
  private void write(String text) {
    OutputFile.replace(file, text, "metrics", AtomicFiles.READABLE);
  }
}
