package org.kvmsriov.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvmsriov.testsupport.Cli;
import org.kvmsriov.testsupport.CliRun;
import org.kvmsriov.testsupport.Jvm;
import org.kvmsriov.testsupport.LedgerWorld;
import org.kvmsriov.testsupport.TreeSnapshot;
import org.kvmsriov.app.HypervisorConnector;

/**
 * Any unexpected Throwable, Errors included, becomes one line and exit 1 (framed for driver and
 * vnm), without a Java class name; the stack trace only with KVM_SRIOV_DEBUG=1.
 */
class UnexpectedFailureTest {

  @TempDir Path tmp;

  static HypervisorConnector throwing(Throwable t) {
    return uri -> {
      if (t instanceof Error e) {
        throw e;
      }
      throw (RuntimeException) t;
    };
  }

  @Test
  void aStackOverflowIsOneLine() throws Exception {
    LedgerWorld w = new LedgerWorld(tmp);
    w.leases();
    var before = TreeSnapshot.of(w.ledgerDir);
    CliRun r = w.run(throwing(new StackOverflowError()), "reconcile", "--once");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("kvm-sriov: input nested too deeply (stack overflow); nothing was changed\n");
    assertThat(TreeSnapshot.of(w.ledgerDir)).isEqualTo(before);
  }

  @Test
  void aJdkExceptionLosesItsJavaNames() throws Exception {
    LedgerWorld w = new LedgerWorld(tmp);
    CliRun r = w.run(throwing(new NullPointerException(
        "Cannot invoke \"java.util.List.size()\" because \"<local4>\" is null")), "probe");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("kvm-sriov: internal error: Cannot invoke \".size()\" because \"<local4>\" is null"
        + " (KVM_SRIOV_DEBUG=1 shows where)\n");
    CliRun bare = w.run(throwing(new IllegalStateException()), "probe");
    assertThat(bare.err()).isEqualTo("kvm-sriov: internal error (KVM_SRIOV_DEBUG=1 shows where)\n");
  }

  @Test
  void driverAndVnmFrameIt() throws Exception {
    LedgerWorld w = new LedgerWorld(tmp);
    CliRun r = Cli.runWithStdin(throwing(new OutOfMemoryError("Java heap space")), LedgerWorld.CLOCK, "<domain/>",
        "driver", "--state", w.state.toString(), "--ledger-dir", w.ledgerDir.toString(), "cancel", "one-7", "node01",
        "7", "node01");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("ERROR MESSAGE --8<------\nout of memory; is an input far larger than it should"
        + " be?\nERROR MESSAGE ------>8--\n");
  }

  @Test
  void theStackTraceOnlyWhenAskedFor() throws Exception {
    LedgerWorld w = new LedgerWorld(tmp);
    String uri = "nosuchdriver:///system";
    List<String> argv = List.of("reconcile", "--once", "--state", w.state.toString(), "--ledger-dir",
        w.ledgerDir.toString(), "--sysfs-root", w.sysfs.toString(), "--libvirt-uri", uri);
    assertThat(child(argv, null)).startsWith("kvm-sriov: cannot connect to libvirt at " + uri + ": ").hasLineCount(1);
    assertThat(child(argv, "1")).startsWith("kvm-sriov: cannot connect to libvirt at " + uri)
        .contains("\tat org.kvmsriov.");
  }

  /** Runs the CLI in a JVM of its own (the environment is per process) and returns its stderr. */
  static String child(List<String> argv, String debug) throws Exception {
    List<String> cmd = Jvm.command(Main.class.getName());
    cmd.addAll(argv);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().remove("KVM_SRIOV_DEBUG");
    if (debug != null) {
      pb.environment().put("KVM_SRIOV_DEBUG", debug);
    }
    Process p = pb.start();
    p.getOutputStream().close();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(1);
    return err;
  }
}
