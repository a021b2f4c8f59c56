package org.kvmsriov.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvmsriov.cli.Main;
import org.kvmsriov.ledger.FileLedger;
import org.kvmsriov.testsupport.Jvm;

/**
 * {@code kvm-sriov daemon} as a process: it converges the demo world, heals a change made while
 * it runs, writes metrics, and exits 0 on SIGTERM.
 */
class DaemonProcessTest {

  static final Path ROOT = Path.of(System.getProperty("kvmsriov.projectRoot", ".."));

  @TempDir Path dir;

  @Test
  void convergesHealsAChangeAndStopsCleanlyOnSigterm() throws Exception {
    Path state = dir.resolve("host.yaml");
    Files.writeString(state, Files.readString(ROOT.resolve("examples/host-generic.yaml"))
        + "reconcile:\n  interval_seconds: 5\n  stale_lease_grace_seconds: 0\n");
    Path ledger = Files.createDirectories(dir.resolve("ledger"));
    String staleLedger = Files.readString(ROOT.resolve("examples/demo/leases.json"));
    Files.writeString(ledger.resolve("leases.json"), staleLedger);
    Path metrics = dir.resolve("kvm_sriov.prom");
    Process p = Jvm.start(Main.class, "daemon", "--state", state.toString(), "--ledger-dir", ledger.toString(),
        "--sysfs-root", ROOT.resolve("examples/demo-sysfs").toAbsolutePath().toString(),
        "--libvirt-uri", "test://" + ROOT.resolve("examples/demo/libvirt-node.xml").toAbsolutePath().normalize(),
        "--metrics-file", metrics.toString(), "--socket", dir.resolve("kvm-sriov.sock").toString());
    List<String> log = new CopyOnWriteArrayList<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          log.add(line);
        }
      } catch (java.io.IOException ignored) {
        // the process ended
      }
    });
    reader.start();
    try {
      // First pass: the stale lease of one-3 is released and one-7's VF adopted.
      await("first pass converges", Duration.ofSeconds(60), () -> leasedTo(ledger).equals(List.of("one-7")));
      // the pass commits before it logs: wait for the line rather than race the reader
      await("first pass logged", Duration.ofSeconds(30), () -> log.stream()
          .anyMatch(l -> l.startsWith("kvm-sriov daemon: pass took ") && l.contains("2 actions (2 done")));
      await("metrics written", Duration.ofSeconds(30), () -> Files.exists(metrics));
      assertThat(Files.readString(metrics)).contains("kvm_sriov_vfs{pf=\"enp131s0f0\",state=\"leased\"} 1");

      // Change the world behind its back: the stale lease comes back; a later pass heals it.
      String current = Files.readString(ledger.resolve("leases.json"));
      assertThat(current).contains("one-7");
      Files.writeString(ledger.resolve("leases.json.new"), staleLedger);
      Files.move(ledger.resolve("leases.json.new"), ledger.resolve("leases.json"),
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      await("healed again", Duration.ofSeconds(60), () -> leasedTo(ledger).equals(List.of("one-7")));
    } finally {
      p.toHandle().destroy(); // SIGTERM
    }
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("exits after SIGTERM").isTrue();
    reader.join(10_000);
    assertThat(p.exitValue()).as(String.join("\n", log)).isZero();
    assertThat(log).anyMatch(l -> l.startsWith("kvm-sriov daemon: stopped after "));
  }

  private static List<String> leasedTo(Path ledger) {
    try {
      return new FileLedger(ledger).snapshot().leases().values().stream()
          .map(l -> l.domain().orElse("?")).sorted().toList();
    } catch (RuntimeException e) {
      return List.of("unreadable: " + e.getMessage());
    }
  }

  /** Polls with a deadline; never a fixed sleep. */
  static void await(String what, Duration deadline, BooleanSupplier done) throws InterruptedException {
    Instant end = Instant.now().plus(deadline);
    while (!done.getAsBoolean()) {
      if (Instant.now().isAfter(end)) {
        throw new AssertionError("timed out waiting: " + what);
      }
      TimeUnit.MILLISECONDS.sleep(100);
    }
  }
}
