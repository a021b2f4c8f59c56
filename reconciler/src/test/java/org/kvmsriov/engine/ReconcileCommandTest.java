package org.kvmsriov.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvmsriov.app.HypervisorConnector;
import org.kvmsriov.ledger.FileLedger;
import org.kvmsriov.testsupport.Cli;
import org.kvmsriov.testsupport.CliRun;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code reconcile --once} on the demo world: libvirt's test driver with VM one-7 holding a VF the
 * ledger does not know, and a ledger with a stale lease of a VM that no longer exists.
 */
class ReconcileCommandTest {

  static final Path ROOT = Path.of(System.getProperty("kvmsriov.projectRoot", "..")).toAbsolutePath().normalize();

  @TempDir Path dir;
  Path ledger;

  @BeforeEach
  void demoWorld() throws Exception {
    ledger = Files.createDirectories(dir.resolve("ledger"));
    Files.copy(ROOT.resolve("examples/demo/leases.json"), ledger.resolve("leases.json"));
  }

  CliRun reconcile(String... extra) {
    List<String> argv = new java.util.ArrayList<>(List.of("reconcile", "--once",
        "--state", ROOT.resolve("examples/host-generic.yaml").toString(), "--ledger-dir", ledger.toString(),
        "--sysfs-root", ROOT.resolve("examples/demo-sysfs").toString(),
        "--libvirt-uri", "test://" + ROOT.resolve("examples/demo/libvirt-node.xml")));
    argv.addAll(List.of(extra));
    return Cli.run(HypervisorConnector.libvirt(), Clock.systemUTC(), argv.toArray(String[]::new));
  }

  @Test
  void dryRunPrintsThePlanAndChangesNothing() throws Exception {
    String before = Files.readString(ledger.resolve("leases.json"));
    CliRun r = reconcile("--dry-run");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).startsWith("plan (2 actions):\n")
        .contains("  1. release enp131s0f0 VF 0 (0000:83:10.0) leased to one-3: domain one-3 does not exist (for ")
        .contains("  2. adopt enp131s0f0 VF 1 (0000:83:10.2), held by one-7 without a lease\n")
        .endsWith("dry run: nothing changed\n");
    assertThat(Files.readString(ledger.resolve("leases.json"))).isEqualTo(before);
  }

  @Test
  void appliesThePlanThenTheSecondPlanIsEmpty() throws Exception {
    CliRun first = reconcile("--json");
    assertThat(first.exitCode()).isZero();
    JsonNode j = JsonMapper.shared().readTree(first.out());
    assertThat(j.get("converged").asBoolean()).isFalse();
    assertThat(j.get("actions")).hasSize(2);
    assertThat(j.get("actions").get(0).get("kind").asString()).isEqualTo("release_stale_lease");
    assertThat(j.get("actions").get(0).get("status").asString()).isEqualTo("done");
    assertThat(j.get("actions").get(1).get("kind").asString()).isEqualTo("adopt_untracked_vf");
    var leases = new FileLedger(ledger).snapshot().leases().values();
    assertThat(leases).extracting(l -> l.domain().orElse("?") + "@" + l.vf()).containsExactly("one-7@0000:83:10.2");

    CliRun second = reconcile("--json");
    assertThat(second.exitCode()).isZero();
    JsonNode j2 = JsonMapper.shared().readTree(second.out());
    assertThat(j2.get("converged").asBoolean()).isTrue();
    assertThat(j2.get("actions")).isEmpty();
    assertThat(reconcile().out()).isEqualTo("converged: nothing to do\n");
  }

  @Test
  void writesPrometheusTextfileMetrics() throws Exception {
    Path prom = dir.resolve("kvm_sriov.prom");
    assertThat(reconcile("--metrics-file", prom.toString()).exitCode()).isZero();
    assertThat(Files.readString(prom))
        .contains("kvm_sriov_vfs{pf=\"enp131s0f0\",state=\"total\"} 4\n")
        .contains("kvm_sriov_vfs{pf=\"enp131s0f0\",state=\"free\"} 3\n")
        .contains("kvm_sriov_vfs{pf=\"enp131s0f0\",state=\"leased\"} 1\n")
        .contains("kvm_sriov_stale_leases_released_total 1\n")
        .contains("kvm_sriov_drift_found_total 2\n")
        .contains("kvm_sriov_leases_waiting 0\n")
        .containsPattern("kvm_sriov_last_success_timestamp_seconds \\d+\n");
    try (var s = Files.list(dir)) {
      assertThat(s.map(p -> p.getFileName().toString())).as("no temp file left").containsExactlyInAnyOrder(
          "ledger", "kvm_sriov.prom");
    }
  }

  @Test
  void refusesAnUnreadableLedgerAndKeepsIt() throws Exception {
    Files.writeString(ledger.resolve("leases.json"), "{ not json");
    CliRun r = reconcile();
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("leases.json");
    assertThat(Files.readString(ledger.resolve("leases.json"))).isEqualTo("{ not json");
  }

  @Test
  void probePrintsFreeAndTotalVfsPerPf() throws Exception {
    reconcile();
    CliRun r = Cli.run(HypervisorConnector.libvirt(), Clock.systemUTC(), "probe",
        "--state", ROOT.resolve("examples/host-generic.yaml").toString(), "--ledger-dir", ledger.toString(),
        "--sysfs-root", ROOT.resolve("examples/demo-sysfs").toString(),
        "--libvirt-uri", "test://" + ROOT.resolve("examples/demo/libvirt-node.xml"), "kvm", "0", "node01");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).isEqualTo("SRIOV_FREE_VFS_ENP131S0F0=3\nSRIOV_TOTAL_VFS_ENP131S0F0=4\n"
        + "SRIOV_MISSING_VFS_ENP131S0F0=0\nSRIOV_VF_PROBLEMS_ENP131S0F0=\"\"\n");
  }
}
