package org.kvmsriov.engine;

import java.util.Optional;

import org.kvmsriov.actions.Caller;
import org.kvmsriov.actions.DriverCall;
import org.kvmsriov.actions.DriverService;
import org.kvmsriov.app.Wiring;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvmsriov.adapters.libvirt.LibvirtHypervisor;
import org.kvmsriov.adapters.sysfs.SysfsFabricView;
import org.kvmsriov.app.HypervisorConnector;
import org.kvmsriov.config.HostStateLoader;
import org.kvmsriov.ledger.FileLedger;
import org.kvmsriov.ledger.ProcessOwners;
import org.kvmsriov.port.DomainInfo;
import org.kvmsriov.port.LeaseState;
import org.kvmsriov.testsupport.Cli;
import org.kvmsriov.testsupport.CliRun;
import org.kvmsriov.testsupport.ShmTempDir;
import org.kvmsriov.testsupport.SysfsHosts;
import org.kvmsriov.port.DriverException;
import org.kvmsriov.port.RemoteDriver;

/**
 * migrate of a VM holding VFs: the destination (its own ledger, reached through the driver's own
 * argv as ssh would) reserves first; whatever fails before the domain moves leaves the VM running
 * here with its VFs and nothing reserved there. libvirt's test driver cannot detach or migrate,
 * which is exactly the refusal exercised here.
 */
class MigrateTest {

  @TempDir(factory = ShmTempDir.class) Path dir;
  LibvirtHypervisor hv;
  SysfsHosts.TwoNodeHost host;
  Path state;
  Path srcLedger;
  Path dstLedger;
  Path dstState;

  @BeforeEach
  void twoHosts() throws Exception {
    hv = LibvirtHypervisor.open("test:///default");
    host = SysfsHosts.twoNodeHost(dir.resolve("root"), false);
    state = dir.resolve("host.yaml");
    Files.writeString(state, "version: 1\nlibvirt_uri: test:///default\n"
        + "pfs: {enp3s0f0: {mode: generic, discover: true}}\n");
    dstState = dir.resolve("dst-host.yaml");
    srcLedger = dir.resolve("src-ledger");
    dstLedger = dir.resolve("dst-ledger");
    for (DomainInfo d : hv.domains()) {
      if (d.name().startsWith("one-")) {
        hv.destroy(d.name());
      }
    }
    CliRun deployed = Cli.runWithStdin(HypervisorConnector.libvirt(), Clock.systemUTC(),
        DriverCommandTest.deployment(40, "sriov_enp3s0f0"), "driver", "--state", state.toString(),
        "--ledger-dir", srcLedger.toString(), "--sysfs-root", host.tree().root().toString(),
        "deploy", dir.resolve("ds/40/deployment.0").toString(), "node01", "40", "node01");
    assertThat(deployed.exitCode()).as(deployed.err()).isZero();
  }

  @AfterEach
  void close() {
    hv.close();
  }

  /** The destination's kvm-sriov, run through its argv exactly as ssh would run it. */
  RemoteDriver destination(List<String> calls) {
    return (target, args) -> {
      calls.add(target + " " + String.join(" ", args));
      List<String> argv = new ArrayList<>(List.of("driver", "--state", dstState.toString(),
          "--ledger-dir", dstLedger.toString(), "--sysfs-root", host.tree().root().toString()));
      argv.addAll(args);
      CliRun r = Cli.run(HypervisorConnector.libvirt(), Clock.systemUTC(), argv.toArray(String[]::new));
      if (r.exitCode() != 0) {
        throw new DriverException("kvm-sriov on " + target + " failed: " + r.err());
      }
      return r.out();
    };
  }

  /** The source's migrate, served by the driver service with {@code remote} as its way to the destination. */
  CliRun migrateFromSource(RemoteDriver remote) {
    Wiring w = new Wiring(new Wiring.Host(state, srcLedger, host.tree().root(), Optional.empty()),
        HypervisorConnector.libvirt(), Clock.systemUTC());
    DriverService svc = w.driverService(w.perRequest(), dir.resolve("stock"), Duration.ofSeconds(5), remote,
        step -> { });
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    int code = svc.handle(new DriverCall.Vmm("migrate", List.of("one-40", "node02", "node01", "40", "node01")),
        new java.io.ByteArrayInputStream(new byte[0]), out, err, new Caller(java.util.Map.of()));
    return new CliRun(code, out.toString(java.nio.charset.StandardCharsets.UTF_8),
        err.toString(java.nio.charset.StandardCharsets.UTF_8));
  }

  @Test
  void aDestinationWithoutFreeVfsRefusesBeforeAnythingChanges() throws Exception {
    Files.writeString(dstState, "version: 1\nlibvirt_uri: test:///default\n"
        + "pfs: {enp3s0f0: {mode: generic, vfs: [%s]}}\n".formatted(host.nic().vfs().get(0)));
    List<String> calls = new ArrayList<>();
    String before = Files.readString(srcLedger.resolve("leases.json"));
    CliRun r = migrateFromSource(destination(calls));
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("no free VF on enp3s0f0");
    assertThat(calls).containsExactly("node02 migrate_in_reserve 40 enp3s0f0/0/aa:00:0a:00:28:00");
    assertThat(Files.readString(srcLedger.resolve("leases.json"))).isEqualTo(before);
    assertThat(hv.domain("one-40").map(DomainInfo::isActive)).contains(true);
  }

  @Test
  void aRefusedDetachOrMigrationKeepsTheVmHereAndGivesTheReservationBack() throws Exception {
    Files.writeString(dstState, "version: 1\nlibvirt_uri: test:///default\n"
        + "pfs: {enp3s0f0: {mode: generic, discover: true}}\n");
    List<String> calls = new ArrayList<>();
    CliRun r = migrateFromSource(destination(calls));
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).startsWith("ERROR MESSAGE --8<------\nmigration of one-40 to node02 failed: ")
        .endsWith("; it runs here with its VFs\nERROR MESSAGE ------>8--\n");
    assertThat(calls).containsExactly("node02 migrate_in_reserve 40 enp3s0f0/0/aa:00:0a:00:28:00",
        "node02 migrate_in_abort 40");
    assertThat(new FileLedger(srcLedger).snapshot().leases().values())
        .singleElement().satisfies(l -> assertThat(l.state()).isEqualTo(LeaseState.ATTACHED));
    assertThat(new FileLedger(dstLedger).snapshot().leases()).isEmpty();
    assertThat(hv.domain("one-40").map(DomainInfo::isActive)).contains(true);
  }

  @Test
  void refusesMalformedIncomingNics() {
    CliRun r = Cli.run(HypervisorConnector.libvirt(), Clock.systemUTC(), "driver", "--state", state.toString(),
        "--ledger-dir", dstLedger.toString(), "migrate_in_reserve", "41", "../x/0/aa:00:0a:00:00:01");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("incoming NIC '../x/0/aa:00:0a:00:00:01': expected <pf>/<position>/<mac>[/<pkey>]");
    CliRun longName = Cli.run(HypervisorConnector.libvirt(), Clock.systemUTC(), "driver", "--state", state.toString(),
        "--ledger-dir", dstLedger.toString(), "migrate_in_reserve", "41", "enp3s0f0abcdefghij/0/aa:00:0a:00:00:01");
    assertThat(longName.err()).contains("PF name 'enp3s0f0abcdefghij' is longer than 15 characters");
    assertThat(Files.exists(dstLedger.resolve("leases.json"))).isFalse();
  }
}
