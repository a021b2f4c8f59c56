package org.kvmsriov.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvmsriov.app.HypervisorConnector;
import org.kvmsriov.testsupport.Cli;
import org.kvmsriov.testsupport.CliRun;

/**
 * {@code reconcile --once --metrics-file} as a systemd timer runs it, on the demo world (a stale
 * lease of one-3, one-7 holding a VF without a lease): the textfile follows Prometheus's
 * conventions from one process to the next.
 */
class MetricsTextfileTest {

  static final Path ROOT = Path.of(System.getProperty("kvmsriov.projectRoot", "..")).toAbsolutePath().normalize();
  static final Instant T0 = Instant.parse("2026-12-03T12:00:00Z");

  @TempDir Path dir;
  Path ledger;
  Path state;
  Path prom;

  @BeforeEach
  void demoWorld() throws Exception {
    ledger = Files.createDirectories(dir.resolve("ledger"));
    Files.copy(ROOT.resolve("examples/demo/leases.json"), ledger.resolve("leases.json"));
    state = dir.resolve("host.yaml");
    Files.copy(ROOT.resolve("examples/host-generic.yaml"), state);
    prom = Files.createDirectories(dir.resolve("textfile")).resolve("kvm_sriov.prom");
  }

  CliRun reconcileAt(Instant now, String... extra) {
    List<String> argv = new ArrayList<>(List.of("reconcile", "--once",
        "--state", state.toString(), "--ledger-dir", ledger.toString(),
        "--sysfs-root", ROOT.resolve("examples/demo-sysfs").toString(),
        "--libvirt-uri", "test://" + ROOT.resolve("examples/demo/libvirt-node.xml"),
        "--metrics-file", prom.toString()));
    argv.addAll(List.of(extra));
    return Cli.run(HypervisorConnector.libvirt(), Clock.fixed(now, ZoneOffset.UTC), argv.toArray(String[]::new));
  }

  @Test
  void countersGoOnFromPassToPassAndTheFileIsWorldReadable() throws Exception {
    assertThat(reconcileAt(T0).exitCode()).isZero();
    assertThat(Files.readString(prom))
        .contains("# TYPE kvm_sriov_passes_total counter\nkvm_sriov_passes_total 1\n")
        .contains("kvm_sriov_drift_found_total 2\n")
        .contains("kvm_sriov_stale_leases_released_total 1\n")
        .contains("kvm_sriov_actions_failed_total 0\n")
        .contains("kvm_sriov_pass_failures_total 0\n")
        .contains("kvm_sriov_vfs{pf=\"enp131s0f0\",state=\"free\"} 3\n")
        .contains("kvm_sriov_stale_leases{pf=\"enp131s0f0\"} 0\n")
        .contains("kvm_sriov_last_success_timestamp_seconds " + T0.getEpochSecond() + "\n");

    // a new process, a converged world: the counters go on, nothing is counted twice
    assertThat(reconcileAt(T0.plusSeconds(60)).exitCode()).isZero();
    String second = Files.readString(prom);
    assertThat(second)
        .contains("kvm_sriov_passes_total 2\n")
        .contains("kvm_sriov_drift_found_total 2\n")
        .contains("kvm_sriov_stale_leases_released_total 1\n")
        .contains("kvm_sriov_last_success_timestamp_seconds " + (T0.getEpochSecond() + 60) + "\n");
    assertThat(second.lines().filter(l -> !l.startsWith("#")).map(l -> l.split("[ {]")[0]))
        .as("every counter ends in _total, and only counters do")
        .allMatch(n -> n.endsWith("_total") == second.contains("# TYPE " + n + " counter"));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(prom))).isEqualTo("rw-r--r--");
    try (var s = Files.list(prom.getParent())) {
      assertThat(s.map(p -> p.getFileName().toString())).as("no temp file left").containsExactly("kvm_sriov.prom");
    }
  }

  @Test
  void aPassThatCannotRunIsCountedAndKeepsTheLastSuccess() throws Exception {
    assertThat(reconcileAt(T0).exitCode()).isZero();
    Files.writeString(state, "version: 1\npfs: [not, a, map]\n");

    CliRun broken = reconcileAt(T0.plusSeconds(600));
    assertThat(broken.exitCode()).isEqualTo(2);
    assertThat(Files.readString(prom))
        .contains("kvm_sriov_passes_total 2\n")
        .contains("kvm_sriov_pass_failures_total 1\n")
        .contains("kvm_sriov_last_pass_timestamp_seconds " + (T0.getEpochSecond() + 600) + "\n")
        .contains("kvm_sriov_last_success_timestamp_seconds " + T0.getEpochSecond() + "\n")
        .as("nothing was read, so no VF gauges").doesNotContain("kvm_sriov_vfs");
  }

  @Test
  void aDryRunWritesNoMetrics() {
    assertThat(reconcileAt(T0, "--dry-run").exitCode()).isZero();
    assertThat(prom).doesNotExist();
  }
}
