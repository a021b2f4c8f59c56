package org.kvmsriov.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvmsriov.adapters.libvirt.LibvirtHypervisor;
import org.kvmsriov.app.HypervisorConnector;
import org.kvmsriov.ledger.FileLedger;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.PfName;
import org.kvmsriov.port.Lease;
import org.kvmsriov.port.LeaseOwner;
import org.kvmsriov.port.LeaseState;
import org.kvmsriov.port.LedgerSession;
import org.kvmsriov.testsupport.Cli;
import org.kvmsriov.testsupport.CliRun;
import org.kvmsriov.testsupport.ShmTempDir;
import org.kvmsriov.testsupport.SysfsHosts;

/**
 * tldr: a real {@code libvirtd} with QEMU/TCG (src/test/support/libvirtd.sh): a VM destroyed with
 * {@code virsh destroy} behind kvm-sriov's back loses its lease once the grace period has passed
 * since a pass first saw it gone (the lease's age does not count: the first pass waits and says
 * so); while it ran without its VF the pass planned to re-attach it instead.
 */
@Tag("libvirtd")
class ReconcileLibvirtdTest {

  static final Path ROOT = Path.of(System.getProperty("kvmsriov.projectRoot", "..")).toAbsolutePath().normalize();
  static final Path SCRIPT = ROOT.resolve("reconciler/src/test/support/libvirtd.sh");
  static final Path WORK = ROOT.resolve("reconciler/target/libvirtd-reconcile");
  static final String VM = "one-77";

  static String uri;

  @TempDir(factory = ShmTempDir.class) Path dir;

  @BeforeAll
  static void daemon() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/qemu-system-x86_64")),
        "skipped: no qemu-system-x86_64 (TCG QEMU); bin/install-deps installs qemu-system-x86");
    uri = run(SCRIPT.toString(), "start", WORK.resolve("a").toString(), "49280");
  }

  @AfterAll
  static void stop() throws Exception {
    if (uri != null) {
      run(SCRIPT.toString(), "stop", WORK.resolve("a").toString());
    }
  }

  static String run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as(String.join(" ", cmd)).isTrue();
    String out = new String(p.getInputStream().readAllBytes()).trim();
    assertThat(p.exitValue()).as(String.join(" ", cmd) + ": " + out).isZero();
    return out.lines().reduce((x, y) -> y).orElse("");
  }

  @Test
  void aVmDestroyedBehindOurBackLosesItsLeaseWhenItsGraceEnds() throws Exception {
    SysfsHosts.TwoNodeHost host = SysfsHosts.twoNodeHost(dir.resolve("root"), false);
    Path state = dir.resolve("host.yaml");
    Files.writeString(state, "version: 1\nreconcile: {stale_lease_grace_seconds: 300}\n"
        + "pfs: {enp3s0f0: {mode: generic, discover: true}}\n");
    Path ledgerDir = dir.resolve("ledger");
    PciAddress vf = host.nic().vfs().get(3);
    try (LibvirtHypervisor h = LibvirtHypervisor.open(uri)) {
      h.destroy(VM);
      // <acpi/> as OpenNebula writes it: without it libvirt 9.0 passes -no-acpi, which QEMU 9+
      // (e2e/install-qemu puts 10 on the machine) no longer accepts.
      h.create("<domain type='qemu'><name>" + VM + "</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>"
          + "<os><type arch='x86_64' machine='pc'>hvm</type></os><features><acpi/></features>"
          + "<devices><memballoon model='none'/></devices></domain>");
      Instant tenMinutesAgo = Instant.now().minus(Duration.ofMinutes(10));
      try (LedgerSession s = new FileLedger(ledgerDir).open(Duration.ofSeconds(10))) {
        s.commit(s.state().with(Lease.reserve(new PfName("enp3s0f0"), vf, 3, VM, OptionalInt.of(77),
            new LeaseOwner.Process(1, java.util.Optional.empty(), "unknown"), tenMinutesAgo)
            .withState(LeaseState.ATTACHED, tenMinutesAgo)));
      }
      List<String> args = List.of("reconcile", "--once", "--dry-run", "--state", state.toString(),
          "--ledger-dir", ledgerDir.toString(), "--sysfs-root", host.tree().root().toString(), "--libvirt-uri", uri);
      CliRun running = Cli.run(HypervisorConnector.libvirt(), Clock.systemUTC(), args.toArray(String[]::new));
      assertThat(running.out()).contains("1. re-attach enp3s0f0 VF 3 (" + vf + ") to one-77, which runs without it");

      run("virsh", "-c", uri, "destroy", VM); // behind kvm-sriov's back
      CliRun dry = Cli.run(HypervisorConnector.libvirt(), Clock.systemUTC(), args.toArray(String[]::new));
      assertThat(dry.out()).contains("1. wait 300 s, then release enp3s0f0 VF 3 (" + vf + ") leased to one-77 unless"
          + " it is held again: domain one-77 does not exist (first seen now, ");
      String[] apply = args.stream().filter(a -> !a.equals("--dry-run")).toArray(String[]::new);
      CliRun seen = Cli.run(HypervisorConnector.libvirt(), Clock.systemUTC(), apply);
      assertThat(seen.exitCode()).as(seen.out() + seen.err()).isZero();
      assertThat(new FileLedger(ledgerDir).snapshot().leases().values()).singleElement()
          .satisfies(l -> assertThat(l.unheldSince()).isPresent());
      Clock graceLater = Clock.offset(Clock.systemUTC(), Duration.ofSeconds(300));
      CliRun released = Cli.run(HypervisorConnector.libvirt(), graceLater, apply);
      assertThat(released.exitCode()).as(released.out() + released.err()).isZero();
      assertThat(released.out()).contains("1. release enp3s0f0 VF 3 (" + vf + ") leased to one-77: domain one-77 does"
          + " not exist (for 30");
      assertThat(new FileLedger(ledgerDir).snapshot().leases()).isEmpty();
      CliRun again = Cli.run(HypervisorConnector.libvirt(), graceLater, apply);
      assertThat(again.out()).isEqualTo("converged: nothing to do\n");
    }
  }
}
