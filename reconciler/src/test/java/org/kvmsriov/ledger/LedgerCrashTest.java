package org.kvmsriov.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.PfName;
import org.kvmsriov.port.Lease;
import org.kvmsriov.port.LeaseKey;
import org.kvmsriov.port.LedgerSession;
import org.kvmsriov.port.LedgerState;
import org.kvmsriov.testsupport.Jvm;

/**
 * tldr: a writer SIGKILLed after each step of a commit leaves a ledger that opens and holds the
 * old state (killed before the rename) or the new one (after it); a leftover temporary file is
 * removed by the next open.
 */
class LedgerCrashTest {

  static final LeaseKey OLD = new LeaseKey(new PfName("ib0"), PciAddress.parse("0000:07:00.1"));
  static final LeaseKey NEW = new LeaseKey(new PfName("ib0"), PciAddress.parse("0000:07:00.7"));

  @TempDir Path dir;
  Process child;

  @AfterEach
  void kill() {
    if (child != null) {
      child.destroyForcibly();
    }
  }

  @ParameterizedTest
  @EnumSource(WriteStep.class)
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void killedAtEachStepLeavesOldOrNewState(WriteStep step) throws Exception {
    try (LedgerSession s = new FileLedger(dir).open(Duration.ofSeconds(5))) {
      s.commit(s.state().with(Lease.reserve(OLD.pf(), OLD.vf(), 0, "one-1", OptionalInt.of(1),
          new ProcessOwners(Path.of("/")).current(), Instant.parse("2025-01-01T00:00:00Z"))));
    }
    byte[] before = Files.readAllBytes(dir.resolve(FileLedger.FILE));

    child = Jvm.start(LedgerChild.class, "crash", dir.toString(), step.name(), "one-7");
    BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
    assertThat(out.readLine()).isEqualTo("at step " + step.ordinal());
    child.destroyForcibly(); // SIGKILL: no shutdown hooks, no finally blocks
    assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(child.exitValue()).isEqualTo(137);

    boolean tempLeft = step.compareTo(WriteStep.TEMP_CREATED) >= 0 && step.compareTo(WriteStep.TEMP_SYNCED) <= 0;
    assertThat(temps()).hasSize(tempLeft ? 1 : 0);
    boolean renamed = step.compareTo(WriteStep.RENAMED) >= 0;
    if (!renamed) {
      assertThat(Files.readAllBytes(dir.resolve(FileLedger.FILE))).isEqualTo(before);
    }

    // the killed process held the lock; the OS dropped it with the process
    try (LedgerSession s = new FileLedger(dir).open(Duration.ofSeconds(5))) {
      LedgerState st = s.state();
      assertThat(st.leases().keySet()).containsExactlyElementsOf(renamed ? List.of(OLD, NEW) : List.of(OLD));
      if (renamed) {
        assertThat(st.lease(NEW).orElseThrow().domain()).contains("one-7");
      }
      assertThat(temps()).isEmpty();
    }
  }

  private List<Path> temps() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
    }
  }
}
