package org.kvmsriov.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvmsriov.app.HypervisorConnector;
import org.kvmsriov.ledger.FileLedger;
import org.kvmsriov.ledger.LedgerCodec;
import org.kvmsriov.port.Lease;
import org.kvmsriov.port.LedgerState;
import org.kvmsriov.testsupport.Cli;
import org.kvmsriov.testsupport.CliRun;
import org.kvmsriov.testsupport.Leases;
import org.kvmsriov.testsupport.TreeSnapshot;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Waiting is visible: on the demo world (libvirt's test driver, one-7 running with VF 1) a lease
 * of one-3, which does not exist, waits for its grace period (300 s, host-generic.yaml's
 * default). {@code status} and {@code reconcile --dry-run} say so with the time left, counted
 * from when a pass first saw it, which the ledger keeps; neither writes anything.
 */
class GraceWaitTest {

  static final Path ROOT = Path.of(System.getProperty("kvmsriov.projectRoot", "..")).toAbsolutePath().normalize();
  static final Instant T = Instant.parse("2026-12-01T08:00:00Z");
  static final String WAITING_ONE_3 = "enp131s0f0 VF 0 (0000:83:10.0) leased to one-3: domain one-3 does not exist";

  @TempDir Path dir;
  Path ledger;

  @BeforeEach
  void leaseOfAGoneDomain() throws Exception {
    ledger = Files.createDirectories(dir.resolve("ledger"));
    // one-3's lease, taken days before T: its age must not count
    write(LedgerState.empty().with(Leases.attached("enp131s0f0", 0, "0000:83:10.0", "one-3"))
        .with(Leases.attached("enp131s0f0", 1, "0000:83:10.2", "one-7")));
  }

  void write(LedgerState st) throws Exception {
    Files.write(ledger.resolve(FileLedger.FILE), LedgerCodec.encode(st));
  }

  CliRun run(Instant now, String... command) {
    List<String> argv = new ArrayList<>(List.of(command));
    argv.addAll(List.of("--state", ROOT.resolve("examples/host-generic.yaml").toString(),
        "--ledger-dir", ledger.toString(), "--sysfs-root", ROOT.resolve("examples/demo-sysfs").toString(),
        "--libvirt-uri", "test://" + ROOT.resolve("examples/demo/libvirt-node.xml")));
    return Cli.run(HypervisorConnector.libvirt(), Clock.fixed(now, ZoneOffset.UTC), argv.toArray(String[]::new));
  }

  static JsonNode json(CliRun r) {
    assertThat(r.exitCode()).as(r.err()).isZero();
    return JsonMapper.shared().readTree(r.out());
  }

  Lease one3() {
    return new FileLedger(ledger).snapshot().leaseOfVf(org.kvmsriov.model.PciAddress.parse("0000:83:10.0"))
        .orElseThrow();
  }

  @Test
  void beforeAnyPassStatusAndDryRunShowTheWholeGraceAndWriteNothing() {
    Map<String, String> before = TreeSnapshot.of(ledger);

    CliRun status = run(T, "status");
    assertThat(status.exitCode()).as(status.err()).isZero();
    assertThat(status.out())
        .contains("enp131s0f0 (generic): 4 VFs, 2 free, 2 leased, 1 waiting to be released\n")
        .endsWith("waiting: " + WAITING_ONE_3 + "; no pass has seen this yet: the next starts its 300 s grace period\n");
    JsonNode s = json(run(T, "status", "--json"));
    assertThat(s.get("waiting")).hasSize(1);
    assertThat(s.get("waiting").get(0).get("domain").asString()).isEqualTo("one-3");
    assertThat(s.get("waiting").get(0).get("vf").asString()).isEqualTo("0000:83:10.0");
    assertThat(s.get("waiting").get(0).get("seconds_left").asLong()).isEqualTo(300);
    assertThat(s.get("waiting").get(0).get("unheld_since").isNull()).isTrue();

    CliRun dry = run(T, "reconcile", "--once", "--dry-run");
    assertThat(dry.exitCode()).as(dry.err()).isZero();
    assertThat(dry.out()).isEqualTo("plan (1 action):\n  1. wait 300 s, then release " + WAITING_ONE_3.replace(": ",
        " unless it is held again: ") + " (first seen now, " + T + ")\ndry run: nothing changed\n");
    JsonNode j = json(run(T, "reconcile", "--once", "--dry-run", "--json"));
    assertThat(j.get("converged").asBoolean()).as("a wait is not convergence").isFalse();
    assertThat(j.get("actions").get(0).get("kind").asString()).isEqualTo("await_grace");
    assertThat(j.get("actions").get(0).get("seconds_left").asLong()).isEqualTo(300);
    assertThat(j.get("actions").get(0).get("first_sight").asBoolean()).isTrue();
    assertThat(j.get("actions").get(0).has("status")).as("a dry run applies nothing").isFalse();
    assertThat(j.get("recheck_after_seconds").asLong()).isEqualTo(300);

    assertThat(TreeSnapshot.of(ledger)).as("ledger byte for byte, no lock file").isEqualTo(before);
  }

  @Test
  void theGraceRunsFromTheFirstPassThatSawTheLeaseWithoutItsDomain() throws Exception {
    Path prom = dir.resolve("kvm_sriov.prom");
    CliRun first = run(T, "reconcile", "--once", "--metrics-file", prom.toString());
    assertThat(first.exitCode()).as(first.err()).isZero();
    assertThat(first.out()).contains("1. wait 300 s, then release " + WAITING_ONE_3.replace(": ",
        " unless it is held again: ") + " (first seen now, " + T + ")\n")
        .endsWith("applied: 0 done, 0 failed, 0 reported, 1 waiting\n");
    // a wait is not drift (the drift metric is a gauge here, a counter _total once metrics count across passes)
    assertThat(Files.readString(prom)).contains("kvm_sriov_leases_waiting 1\n")
        .containsPattern("(?m)^kvm_sriov_drift_found(_total)? 0$");
    assertThat(one3().unheldSince()).contains(T);
    assertThat(new FileLedger(ledger).snapshot().history()).last().satisfies(h -> {
      assertThat(h.action()).isEqualTo("unheld");
      assertThat(h.reason()).isEqualTo("domain one-3 does not exist; released after 300 s unless held again");
    });
    assertThat(Files.readString(ledger.resolve(FileLedger.FILE))).contains("\"unheld_since\" : \"" + T + "\"");

    Instant later = T.plusSeconds(120);
    Map<String, String> before = TreeSnapshot.of(ledger);
    assertThat(run(later, "status").out()).endsWith("waiting: " + WAITING_ONE_3 + " since " + T
        + "; released in 180 s unless it is held again\n");
    JsonNode s = json(run(later, "status", "--json")).get("waiting").get(0);
    assertThat(s.get("seconds_left").asLong()).isEqualTo(180);
    assertThat(s.get("unheld_since").asString()).isEqualTo(T.toString());
    CliRun dry = run(later, "reconcile", "--once", "--dry-run");
    assertThat(dry.out()).contains("1. wait 180 s, then release ").contains("(since " + T + ")")
        .doesNotContain("converged");
    JsonNode j = json(run(later, "reconcile", "--once", "--dry-run", "--json"));
    assertThat(j.get("actions").get(0).get("unheld_since").asString()).isEqualTo(T.toString());
    assertThat(j.get("recheck_after_seconds").asLong()).isEqualTo(180);
    assertThat(TreeSnapshot.of(ledger)).as("status and dry runs write nothing").isEqualTo(before);

    // a pass inside the grace leaves the first sighting as it was
    assertThat(run(later, "reconcile", "--once").out()).endsWith("applied: 0 done, 0 failed, 0 reported, 1 waiting\n");
    assertThat(one3().unheldSince()).contains(T);

    CliRun last = run(T.plusSeconds(300), "reconcile", "--once", "--json");
    JsonNode r = json(last);
    assertThat(r.get("actions").get(0).get("kind").asString()).isEqualTo("release_stale_lease");
    assertThat(r.get("actions").get(0).get("description").asString())
        .endsWith("domain one-3 does not exist (for 300 s)");
    assertThat(r.get("actions").get(0).get("status").asString()).isEqualTo("done");
    assertThat(new FileLedger(ledger).snapshot().leases()).hasSize(1);
    assertThat(run(T.plusSeconds(301), "reconcile", "--once").out()).isEqualTo("converged: nothing to do\n");
  }

  @Test
  void aDomainThatHoldsItsVfAgainEndsTheWait() throws Exception {
    // a pass saw one-7 without its VF (stopped, say); now it runs with it again
    LedgerState st = new FileLedger(ledger).snapshot();
    Lease one7 = st.leaseOfVf(org.kvmsriov.model.PciAddress.parse("0000:83:10.2")).orElseThrow();
    write(st.with(one7.withUnheldSince(Optional.of(T))));

    CliRun pass = run(T.plusSeconds(60), "reconcile", "--once", "--domain", "one-7");
    assertThat(pass.exitCode()).as(pass.err()).isZero();
    assertThat(pass.out()).isEqualTo("plan (1 action):\n  1. end the grace period of enp131s0f0 VF 1 (0000:83:10.2)"
        + " leased to one-7, unheld since " + T + ": one-7 holds it again\napplied: 1 done, 0 failed, 0 reported\n");
    LedgerState after = new FileLedger(ledger).snapshot();
    assertThat(after.leaseOfVf(one7.vf()).orElseThrow().unheldSince()).isEmpty();
    assertThat(after.leaseOfVf(one7.vf()).orElseThrow().updatedAt()).isEqualTo(one7.updatedAt());
    assertThat(after.history()).last().satisfies(h -> {
      assertThat(h.action()).isEqualTo("held-again");
      assertThat(h.reason()).isEqualTo("one-7 holds it again");
    });
    assertThat(run(T.plusSeconds(61), "reconcile", "--once", "--domain", "one-7").out())
        .isEqualTo("converged: nothing to do\n");
  }
}
