package org.kvmsriov.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvmsriov.ledger.FileLedger;
import org.kvmsriov.testsupport.Cli;
import org.kvmsriov.testsupport.CliRun;
import org.kvmsriov.testsupport.Jvm;
import org.kvmsriov.testsupport.Unprivileged;
import org.kvmsriov.app.HypervisorConnector;

/**
 * A ledger that cannot be read is an error, never an empty ledger: read as "no leases", probe would
 * advertise leased VFs as free. On the demo world (one lease of enp131s0f0 in the ledger).
 */
class UnreadableLedgerTest {

  static final Path ROOT = Path.of(System.getProperty("kvmsriov.projectRoot", "..")).toAbsolutePath().normalize();

  @TempDir Path dir;
  Path ledger;

  @BeforeEach
  void demoLedger() throws Exception {
    ledger = Files.createDirectories(dir.resolve("ledger"));
    Files.copy(ROOT.resolve("examples/demo/leases.json"), ledger.resolve(FileLedger.FILE));
  }

  static List<String> argv(Path ledgerDir, String... command) {
    List<String> argv = new ArrayList<>(List.of(command));
    int at = argv.get(0).equals("leases") ? 2 : 1;
    argv.addAll(at, List.of("--state", ROOT.resolve("examples/host-generic.yaml").toString(),
        "--ledger-dir", ledgerDir.toString(), "--sysfs-root", ROOT.resolve("examples/demo-sysfs").toString(),
        "--libvirt-uri", "test://" + ROOT.resolve("examples/demo/libvirt-node.xml")));
    return argv;
  }

  static CliRun run(Path ledgerDir, String... command) {
    return Cli.run(HypervisorConnector.libvirt(), Clock.systemUTC(), argv(ledgerDir, command).toArray(String[]::new));
  }

  static final String[][] READERS = {{"probe"}, {"status"}, {"leases", "list"}};

  @Test
  void aMissingDirectoryIsAnErrorForReportsAndStaysMissing() {
    Path typo = dir.resolve("ledgr");
    for (String[] cmd : READERS) {
      CliRun r = run(typo, cmd);
      assertThat(r.exitCode()).as(String.join(" ", cmd)).isEqualTo(1);
      assertThat(r.out()).as(String.join(" ", cmd)).isEmpty();
      assertThat(r.err()).as(String.join(" ", cmd)).isEqualTo("kvm-sriov: ledger directory " + typo
          + " does not exist (is --ledger-dir or KVM_SRIOV_LEDGER_DIR right? it is created by the first deploy"
          + " or reconcile pass)\n");
    }
    assertThat(typo).doesNotExist();
  }

  @Test
  void aFileInsteadOfTheDirectoryIsAnErrorForEveryCommand() throws Exception {
    Path file = Files.writeString(dir.resolve("file"), "not a ledger\n");
    Path through = file.resolve("sub");
    for (String[] cmd : new String[][] {{"probe"}, {"status"}, {"leases", "list"}, {"reconcile", "--once"},
        {"reconcile", "--once", "--dry-run"}, {"leases", "release", "enp131s0f0", "0", "--reason", "x", "--force"}}) {
      CliRun r = run(file, cmd);
      assertThat(r.exitCode()).as(String.join(" ", cmd)).isEqualTo(1);
      assertThat(r.err()).as(String.join(" ", cmd))
          .isEqualTo("kvm-sriov: ledger directory " + file + " is not a directory\n");
      CliRun t = run(through, cmd);
      assertThat(t.exitCode()).as(String.join(" ", cmd)).isEqualTo(1);
      assertThat(t.err()).as(String.join(" ", cmd))
          .isEqualTo("kvm-sriov: cannot read ledger directory " + through + ": Not a directory\n");
    }
    assertThat(Files.readString(file)).isEqualTo("not a ledger\n");
  }

  @Test
  void dryRunCreatesNeitherTheDirectoryNorTheLockFile() throws Exception {
    Path none = dir.resolve("none");
    CliRun r = run(none, "reconcile", "--once", "--dry-run");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).startsWith("plan (1 action):\n").endsWith("dry run: nothing changed\n");
    assertThat(none).doesNotExist();

    byte[] before = Files.readAllBytes(ledger.resolve(FileLedger.FILE));
    CliRun d = run(ledger, "reconcile", "--once", "--dry-run", "--json");
    assertThat(d.exitCode()).isZero();
    try (var s = Files.list(ledger)) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactly(FileLedger.FILE);
    }
    assertThat(Files.readAllBytes(ledger.resolve(FileLedger.FILE))).isEqualTo(before);
  }

  @Test
  void aLockFileThatCannotBeOpenedIsNamedWithItsReasonOnce() throws Exception {
    Path lock = Files.createDirectory(ledger.resolve(FileLedger.LOCK));
    byte[] before = Files.readAllBytes(ledger.resolve(FileLedger.FILE));
    CliRun r = run(ledger, "reconcile", "--once");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("kvm-sriov: cannot open ledger lock file " + lock + ": Is a directory\n");
    assertThat(Files.readAllBytes(ledger.resolve(FileLedger.FILE))).isEqualTo(before);
  }

  /** The acceptance case: an operator without rights to a root-only ledger runs probe and status. */
  @Test
  void anUnprivilegedProbeOnARootOnlyLedgerFails() throws Exception {
    byte[] before = Files.readAllBytes(ledger.resolve(FileLedger.FILE));
    Unprivileged.lockOut(ledger);
    try {
      for (String[] cmd : READERS) {
        List<String> java = Jvm.command(Main.class.getName());
        java.addAll(argv(ledger, cmd));
        Process p = new ProcessBuilder(Unprivileged.command(java)).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", cmd) + ": " + err).isEqualTo(1);
        assertThat(out).as(String.join(" ", cmd)).isEmpty();
        assertThat(err).as(String.join(" ", cmd)).isEqualTo("kvm-sriov: cannot read ledger "
            + ledger.resolve(FileLedger.FILE) + ": permission denied\n");
      }
    } finally {
      Unprivileged.giveBack(ledger);
    }
    assertThat(Files.readAllBytes(ledger.resolve(FileLedger.FILE))).isEqualTo(before);
    try (var s = Files.list(ledger)) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactly(FileLedger.FILE);
    }
  }
}
