package org.kvmsriov.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.kvmsriov.testsupport.Leases.attached;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvmsriov.config.InvalidInputException;
import org.kvmsriov.port.Lease;
import org.kvmsriov.port.LedgerException;
import org.kvmsriov.port.LedgerSession;
import org.kvmsriov.port.LedgerState;

/** The file ledger on a real directory: layout, modes, refusal of bad files, the lock's deadline. */
class FileLedgerTest {

  @TempDir Path tmp;

  final Lease a = attached("ib0", 0, "0000:07:00.1", "one-1");
  final Lease b = attached("ib0", 1, "0000:07:00.2", "one-2");

  @Test
  void createsTheDirectory0750AndWritesOnlyOnCommit() throws Exception {
    Path dir = tmp.resolve("var/lib/kvm-sriov");
    FileLedger ledger = new FileLedger(dir);
    try (LedgerSession s = ledger.open(Duration.ofSeconds(5))) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwxr-x---");
      assertThat(s.state()).isEqualTo(LedgerState.empty());
      assertThat(dir.resolve(FileLedger.FILE)).doesNotExist();
      s.commit(s.state().with(a));
      s.commit(s.state().with(b));
      assertThat(s.state().leases()).hasSize(2);
    }
    Path file = dir.resolve(FileLedger.FILE);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-r-----");
    assertThat(Files.readString(file)).contains("\"version\" : 1");
    LedgerState expected = LedgerState.empty().with(a).with(b);
    assertThat(ledger.snapshot()).isEqualTo(expected);
    try (LedgerSession s = new FileLedger(dir).open(Duration.ofSeconds(5))) {
      assertThat(s.state()).isEqualTo(expected);
    }
    assertThat(listing(dir)).containsExactlyInAnyOrder(FileLedger.FILE, FileLedger.LOCK);
  }

  @Test
  void snapshotOfAMissingDirectoryIsEmptyAndCreatesNothing() {
    Path dir = tmp.resolve("none");
    assertThat(new FileLedger(dir).snapshot()).isEqualTo(LedgerState.empty());
    assertThat(dir).doesNotExist();
  }

  @Test
  void aReportOfAMissingDirectoryFailsInsteadOfReadingNoLeases() {
    Path dir = tmp.resolve("none");
    FileLedger report = new FileLedger(dir, FileLedger.Access.REPORT);
    assertThatThrownBy(report::snapshot).isInstanceOf(LedgerException.class)
        .hasMessageStartingWith("ledger directory " + dir + " does not exist");
    assertThatThrownBy(() -> report.open(Duration.ofSeconds(1))).isInstanceOf(LedgerException.class);
    assertThat(dir).doesNotExist();
  }

  @Test
  void aDryRunSessionReadsUnderASharedLockAndCannotCommit() throws Exception {
    try (LedgerSession w = new FileLedger(tmp).open(Duration.ofSeconds(5))) {
      w.commit(w.state().with(a));
      FileLedger dry = new FileLedger(tmp, FileLedger.Access.DRY_RUN);
      assertThatThrownBy(() -> dry.open(Duration.ofMillis(200))).isInstanceOf(LedgerException.class)
          .hasMessageStartingWith("ledger is locked by another kvm-sriov process");
    }
    byte[] before = Files.readAllBytes(tmp.resolve(FileLedger.FILE));
    try (LedgerSession s = new FileLedger(tmp, FileLedger.Access.DRY_RUN).open(Duration.ofSeconds(5))) {
      assertThat(s.state().leases()).hasSize(1);
      assertThatThrownBy(() -> s.commit(LedgerState.empty())).isInstanceOf(IllegalStateException.class);
    }
    assertThat(Files.readAllBytes(tmp.resolve(FileLedger.FILE))).isEqualTo(before);
    Path none = tmp.resolve("none");
    try (LedgerSession s = new FileLedger(none, FileLedger.Access.DRY_RUN).open(Duration.ofSeconds(5))) {
      assertThat(s.state()).isEqualTo(LedgerState.empty());
    }
    assertThat(none).doesNotExist();
  }

  @Test
  void anUnparsableLedgerIsRefusedAndKeptByteForByte() throws Exception {
    Path file = tmp.resolve(FileLedger.FILE);
    byte[] damaged = "{\"version\": 1, \"leases\": [ {\"pf\": \"ib0\"".getBytes(StandardCharsets.UTF_8);
    Files.write(file, damaged);
    FileLedger ledger = new FileLedger(tmp);
    assertThatThrownBy(() -> ledger.open(Duration.ofSeconds(5)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("ledger " + file + " is not valid JSON at line 1, column 40: "
            + "Unexpected end-of-input: expected close marker for Object (the file was left as it is; fix it or move it aside)");
    assertThatThrownBy(ledger::snapshot).isInstanceOf(InvalidInputException.class);
    assertThat(Files.readAllBytes(file)).isEqualTo(damaged);
    assertThat(listing(tmp)).containsExactlyInAnyOrder(FileLedger.FILE, FileLedger.LOCK);
    // the failed open gave the lock back
    Files.delete(file);
    try (LedgerSession s = ledger.open(Duration.ofSeconds(1))) {
      assertThat(s.state()).isEqualTo(LedgerState.empty());
    }
  }

  @Test
  void aLedgerFileThatIsNotARegularFileIsRefused() throws Exception {
    Files.createDirectory(tmp.resolve(FileLedger.FILE));
    assertThatThrownBy(() -> new FileLedger(tmp).open(Duration.ofSeconds(1)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("ledger " + tmp.resolve(FileLedger.FILE) + " is not a regular file (the file was left as it is)");
    assertThat(tmp.resolve(FileLedger.FILE)).isEmptyDirectory();
  }

  @Test
  void anOversizedLedgerIsRefusedUnread() throws Exception {
    Path file = tmp.resolve(FileLedger.FILE);
    try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.CREATE_NEW,
        java.nio.file.StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap(new byte[] {' '}), FileLedger.MAX_BYTES); // sparse, 16 MiB + 1
    }
    assertThatThrownBy(() -> new FileLedger(tmp).snapshot())
        .hasMessageStartingWith("ledger " + file + " is larger than 16777216 bytes");
    assertThat(Files.size(file)).isEqualTo(FileLedger.MAX_BYTES + 1);
  }

  @Test
  void aLedgerDirectoryThatIsAFileIsRefused() throws Exception {
    Path notDir = Files.writeString(tmp.resolve("file"), "x");
    assertThatThrownBy(() -> new FileLedger(notDir).open(Duration.ofSeconds(1)))
        .isInstanceOf(LedgerException.class)
        .hasMessage("ledger directory " + notDir + " is not a directory");
    assertThatThrownBy(() -> new FileLedger(notDir).snapshot())
        .hasMessage("ledger directory " + notDir + " is not a directory");
    assertThat(Files.readString(notDir)).isEqualTo("x");
  }

  @Test
  void aSecondWriterWaitsUntilTheDeadlineThenFailsClearly() throws Exception {
    try (LedgerSession held = new FileLedger(tmp).open(Duration.ofSeconds(1))) {
      held.commit(held.state().with(a));
      long start = System.nanoTime();
      // another instance in this JVM: the OS lock's in-JVM form (OverlappingFileLockException)
      assertThatThrownBy(() -> new FileLedger(tmp).open(Duration.ofMillis(1500)))
          .isInstanceOf(LedgerException.class)
          .hasMessage("ledger is locked by another kvm-sriov process for more than 2s (" + tmp.resolve("lock") + ")");
      assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(1500));
      assertThat(held.state().leases()).hasSize(1);
    }
  }

  @Test
  void aWaitingWriterGetsTheLockWhenTheHolderCloses() throws Exception {
    FileLedger ledger = new FileLedger(tmp);
    LedgerSession held = ledger.open(Duration.ofSeconds(1));
    CompletableFuture<LedgerState> waiter = CompletableFuture.supplyAsync(() -> {
      try (LedgerSession s = ledger.open(Duration.ofSeconds(30))) {
        return s.state();
      }
    });
    held.commit(held.state().with(a));
    held.close();
    assertThat(waiter.get(30, TimeUnit.SECONDS).leases()).containsOnlyKeys(a.key());
  }

  @Test
  void aLeftoverTemporaryFileIsRemovedByTheNextOpenOnly() throws Exception {
    FileLedger ledger = new FileLedger(tmp);
    try (LedgerSession s = ledger.open(Duration.ofSeconds(1))) {
      s.commit(s.state().with(a));
    }
    Path leftover = Files.writeString(tmp.resolve("leases.json.8812349.tmp"), "{\"version\": 1, \"lea");
    assertThat(ledger.snapshot().leases()).containsOnlyKeys(a.key());
    assertThat(leftover).exists(); // a reader without the lock cannot know it is a leftover
    try (LedgerSession s = ledger.open(Duration.ofSeconds(1))) {
      assertThat(s.state().leases()).containsOnlyKeys(a.key());
      assertThat(leftover).doesNotExist();
    }
  }

  @Test
  void aClosedSessionRefusesUse() {
    LedgerSession s = new FileLedger(tmp).open(Duration.ofSeconds(1));
    s.close();
    s.close();
    assertThatThrownBy(s::state).isInstanceOf(IllegalStateException.class).hasMessage("ledger session is closed");
    assertThatThrownBy(() -> s.commit(LedgerState.empty())).isInstanceOf(IllegalStateException.class);
    assertThat(tmp.resolve(FileLedger.FILE)).doesNotExist();
  }

  private static List<String> listing(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).toList();
    }
  }
}
