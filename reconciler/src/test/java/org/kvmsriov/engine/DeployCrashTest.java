package org.kvmsriov.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kvmsriov.app.HypervisorConnector;
import org.kvmsriov.ledger.FileLedger;
import org.kvmsriov.port.LedgerState;
import org.kvmsriov.testsupport.Cli;
import org.kvmsriov.testsupport.CliRun;
import org.kvmsriov.testsupport.Jvm;
import org.kvmsriov.testsupport.ShmTempDir;
import org.kvmsriov.testsupport.SysfsHosts;

/**
 * kill -9 of a deploy at each step between lease and domain creation: one reconcile pass later
 * the ledger equals what libvirt shows. libvirt here is the test driver inside the killed process,
 * so its domain dies with it — the ledger must then hold nothing.
 */
class DeployCrashTest {

  @TempDir(factory = ShmTempDir.class) Path dir;

  @ParameterizedTest(name = "killed at {0}")
  @ValueSource(strings = {"reserved", "programmed", "written", "created"})
  void oneReconcilePassLaterTheLedgerMatchesLibvirt(String step) throws Exception {
    SysfsHosts.TwoNodeHost host = SysfsHosts.twoNodeHost(dir.resolve("root"), false);
    Path state = dir.resolve("host.yaml");
    Files.writeString(state, """
        version: 1
        reconcile: {stale_lease_grace_seconds: 300}
        pfs:
          ib0: {mode: mlnx_ofed2, ofed: {port: 1}, vfs: [%s, %s]}
          enp3s0f0: {mode: generic, discover: true}
        """.formatted(host.mlx4().vfs().get(0), host.mlx4().vfs().get(1)));
    Path ledger = dir.resolve("ledger");
    Path file = dir.resolve("ds/0/8/deployment.0");
    Files.createDirectories(file.getParent());
    Files.writeString(file.resolveSibling("input.xml"), DriverCommandTest.deployment(8, "sriov_ib0", "sriov_enp3s0f0"));
    String guidFile = host.mlx4().hcaDir() + "/iov/ports/1/admin_guids/1";
    String guidBefore = Files.readString(host.tree().path(guidFile)).strip();

    Process child = Jvm.start(DeployUntilStep.class, state.toString(), ledger.toString(), host.tree().root().toString(),
        "test:///default", file.toString(), "8", step);
    try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null && !line.equals("at " + step)) {
        assertThat(line).as("child output").startsWith("at ");
      }
      assertThat(line).as("child reached " + step).isEqualTo("at " + step);
      child.destroyForcibly(); // SIGKILL
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    LedgerState crashed = new FileLedger(ledger).snapshot();
    assertThat(crashed.leases()).as("the deploy had leased both VFs").hasSize(2);

    // grace is 300 s, but the owner is dead: its reserved leases go at once
    CliRun pass = Cli.run(HypervisorConnector.libvirt(), Clock.systemUTC(), "reconcile", "--once",
        "--state", state.toString(), "--ledger-dir", ledger.toString(),
        "--sysfs-root", host.tree().root().toString(), "--libvirt-uri", "test:///default");
    assertThat(pass.exitCode()).as(pass.out() + pass.err()).isZero();
    assertThat(pass.out()).contains("the process that reserved it died");
    assertThat(new FileLedger(ledger).snapshot().leases()).isEmpty();
    assertThat(Files.readString(host.tree().path(guidFile)).strip()).as("GUID restored").isEqualTo(guidBefore);
    CliRun again = Cli.run(HypervisorConnector.libvirt(), Clock.systemUTC(), "reconcile", "--once",
        "--state", state.toString(), "--ledger-dir", ledger.toString(),
        "--sysfs-root", host.tree().root().toString(), "--libvirt-uri", "test:///default");
    assertThat(again.out()).isEqualTo("converged: nothing to do\n");
    assertThat(List.of(step)).isNotEmpty();
  }
}
