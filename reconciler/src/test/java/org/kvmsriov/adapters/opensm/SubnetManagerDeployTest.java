package org.kvmsriov.adapters.opensm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.kvmsriov.adapters.opensm.OpenSmFabricTest.VF;
import static org.kvmsriov.adapters.opensm.OpenSmFabricTest.WORK;
import static org.kvmsriov.adapters.opensm.OpenSmFabricTest.awaitPkeys;
import static org.kvmsriov.adapters.opensm.OpenSmFabricTest.ok;
import static org.kvmsriov.adapters.opensm.OpenSmFabricTest.script;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvmsriov.actions.Caller;
import org.kvmsriov.actions.DriverCall;
import org.kvmsriov.actions.DriverService;
import org.kvmsriov.app.Wiring;
import org.kvmsriov.engine.DriverCommandTest;
import org.kvmsriov.model.Guid;
import org.kvmsriov.model.Pkey;
import org.kvmsriov.model.SubnetManagerSpec;
import org.kvmsriov.ledger.FileLedger;
import org.kvmsriov.port.DriverException;
import org.kvmsriov.port.Hypervisor;
import org.kvmsriov.port.Membership;
import org.kvmsriov.port.PartitionMember;
import org.kvmsriov.port.RemoteDriver;
import org.kvmsriov.testsupport.Cli;
import org.kvmsriov.testsupport.CliRun;
import org.kvmsriov.testsupport.DriverWorld;
import org.kvmsriov.testsupport.ShmTempDir;
import org.kvmsriov.testsupport.VnmTemplate;

/**
 * tldr: the engine keeps a real OpenSM's partitions in step with its leases. A VM whose NIC has
 * VLAN_ID 20000 on the ConnectX-4 (mlx5, MLNX_OFED sysfs fixture) is deployed, shut down, saved
 * and restored, has its NIC detached, migrates out, and is reconciled, through the CLI (the
 * driver service for migrate) against libvirt's test driver with hot-plug; the VF is modelled by ibsim's VfHca,
 * given the GUID kvm-sriov programs, and every step ends with what OpenSM put into that port's
 * pkey table.
 */
@Tag("opensm")
class SubnetManagerDeployTest {

  static final int VM = 20;
  /** What mlnx_ofed2 programs for VM 20's first SR-IOV NIC (prefix aa, position 0, low MAC octets). */
  static final Guid LEASED = Guid.parse("0x0000aa000a001400");
  static final Pkey PARTITION = new Pkey(0x4e20);
  static final String OPERATOR = "Default=0x7fff, ipoib : ALL=full, SELF=full ;\n";

  static Path partitions;
  static OpenSmSubnetManager sm;

  @TempDir(factory = ShmTempDir.class) Path dir;
  DriverWorld w;

  @BeforeAll
  static void startOpenSm() throws Exception {
    Assumptions.assumeTrue(script("check").exit() == 0, "skipped: " + script("check").out().strip());
    Files.createDirectories(WORK);
    partitions = WORK.resolve("partitions.conf");
    Files.writeString(partitions, OPERATOR);
    ok(script("start", WORK.toString()));
    sm = new OpenSmSubnetManager(new SubnetManagerSpec.OpenSm("fabric", partitions, Optional.empty(),
        SubnetManagerSpec.Reload.HUP, Optional.of(WORK.resolve("opensm.pid"))), Duration.ofSeconds(30));
    ok(script("guid", WORK.toString(), LEASED.toHex())); // the VF with the GUID its lease will program
  }

  @AfterAll
  static void stop() throws Exception {
    if (Files.exists(WORK)) {
      script("stop", WORK.toString());
    }
  }

  @BeforeEach
  void world() throws Exception {
    Files.writeString(partitions, OPERATOR);
    w = new DriverWorld(dir, "", true);
    w.mlx5WithSubnetManager("fabric", "{type: opensm, partitions_file: " + partitions + ", reload: hup, pid_file: "
        + WORK.resolve("opensm.pid") + "}");
  }

  @AfterEach
  void close() {
    w.close();
  }

  void deploy() {
    assertThat(w.vnm(VnmTemplate.vm(VM).nic(0, "sriov_ib2", String.format("02:00:0a:00:%02x:00", VM), "20000")
        .base64(), "pre").exitCode()).isZero();
    CliRun r = w.deploy(VM, DriverCommandTest.deployment(VM, "sriov_ib2"));
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.err()).doesNotContain("must be granted");
  }

  @Test
  void deployJoinsThePartitionOfTheVlanAndShutdownLeavesIt() throws Exception {
    deploy();

    assertThat(w.leases()).singleElement().satisfies(l -> assertThat(l.guid()).contains(LEASED));
    assertThat(sm.observe(Set.of(LEASED))).containsExactly(new PartitionMember(PARTITION, LEASED, Membership.FULL, true));
    assertThat(awaitPkeys(VF, t -> t.contains(0xce20))).containsExactly(0xffff, 0xce20);

    CliRun r = w.driver("", "shutdown", "one-" + VM, "node01", Integer.toString(VM), "node01");
    assertThat(r.exitCode()).as(r.err()).isZero();

    assertThat(w.leases()).isEmpty();
    assertTheGuidLeftItsPartition();
  }

  @Test
  void aReconcilePassRepairsAMemberRemovedByHandAndRemovesOneWhoseLeaseIsGone() throws Exception {
    deploy();
    awaitPkeys(VF, t -> t.contains(0xce20));

    sm.remove(PARTITION, LEASED); // by hand, behind kvm-sriov's back
    awaitPkeys(VF, t -> !t.contains(0xce20));
    CliRun dry = w.reconcile("--once", "--dry-run");
    assertThat(dry.out()).contains("join GUID " + LEASED + " (ib2 VF 0) to partition 0x4e20 at subnet manager fabric");
    assertThat(sm.observe(Set.of(LEASED))).isEmpty();

    CliRun r = w.reconcile("--once");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(awaitPkeys(VF, t -> t.contains(0xce20))).containsExactly(0xffff, 0xce20);

    // the domain goes away without a driver action: past the grace period its lease is stale
    w.libvirt.destroy("one-" + VM);
    Files.writeString(w.state, Files.readString(w.state).replace("version: 1\n",
        "version: 1\nreconcile: {stale_lease_grace_seconds: 0}\n"));
    r = w.reconcile("--once");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("remove GUID " + LEASED + " from partition 0x4e20");
    assertThat(w.leases()).isEmpty();
    assertTheGuidLeftItsPartition();
  }

  @Test
  void saveTakesTheGuidOutOfItsPartitionAndRestorePutsItBack() throws Exception {
    deploy();
    awaitPkeys(VF, t -> t.contains(0xce20));
    Path checkpoint = w.vmDir(VM).resolve("checkpoint");

    CliRun save = w.driver("", "save", "one-" + VM, checkpoint.toString(), "node01", Integer.toString(VM), "0");
    assertThat(save.exitCode()).as(save.err()).isZero();
    assertThat(w.leases()).isEmpty();
    assertThat(w.parked()).singleElement().satisfies(p -> assertThat(p.domain()).isEqualTo("one-" + VM));
    assertTheGuidLeftItsPartition();

    CliRun restore = w.driver("", "restore", checkpoint.toString(), "node01", "one-" + VM, Integer.toString(VM), "0");
    assertThat(restore.exitCode()).as(restore.err()).isZero();
    assertThat(w.leases()).singleElement().satisfies(l -> assertThat(l.guid()).contains(LEASED));
    assertThat(sm.observe(Set.of(LEASED))).containsExactly(new PartitionMember(PARTITION, LEASED, Membership.FULL, true));
    assertThat(awaitPkeys(VF, t -> t.contains(0xce20))).containsExactly(0xffff, 0xce20);
  }

  @Test
  void detachNicTakesTheGuidOutOfItsPartition() throws Exception {
    deploy();
    awaitPkeys(VF, t -> t.contains(0xce20));

    CliRun r = w.driver("", "detach_nic", "one-" + VM, String.format("02:00:0a:00:%02x:00", VM), Integer.toString(VM),
        "node01");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(w.vfsOf("one-" + VM)).isEmpty();
    assertThat(w.leases()).isEmpty();
    assertTheGuidLeftItsPartition();
  }

  @Test
  void migrateToAHostOnAnotherFabricTakesTheGuidOutOfItsPartitionHere() throws Exception {
    deploy();
    awaitPkeys(VF, t -> t.contains(0xce20));
    List<String> calls = new ArrayList<>();
    RemoteDriver destination = (host, args) -> { // a destination that takes the VM (on a fabric of its own)
      calls.add(host + " " + String.join(" ", args));
      return "";
    };
    CliRun r = migrate(destination);

    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(calls).containsExactly("node02 migrate_in_reserve " + VM + " ib2/0/aa:00:0a:00:14:00/-/partition=20000",
        "node02 migrate_in_attach " + VM);
    assertThat(w.leases()).isEmpty();
    assertTheGuidLeftItsPartition();
  }

  @Test
  void migrateToAHostOnTheSameFabricHandsTheGuidOverWithoutTakingItFromTheDestination() throws Exception {
    deploy();
    awaitPkeys(VF, t -> t.contains(0xce20));
    Path dstState = Files.writeString(dir.resolve("dst-host.yaml"), Files.readString(w.state).replace(
        "vfs: [" + w.host.mlx5().vfs().get(0) + "]",
        "vfs: [" + w.host.mlx5().vfs().get(0) + ", " + w.host.mlx5().vfs().get(1) + "]"));
    Path dstLedger = dir.resolve("dst-ledger");
    List<List<PartitionMember>> whenTheDomainArrived = new ArrayList<>();
    RemoteDriver destination = (host, args) -> { // kvm-sriov there, run through its argv as ssh would
      if (args.get(0).equals("migrate_in_attach")) {
        whenTheDomainArrived.add(sm.observe(Set.of(LEASED)));
      }
      List<String> argv = new ArrayList<>(List.of("driver", "--state", dstState.toString(), "--ledger-dir",
          dstLedger.toString(), "--sysfs-root", w.host.tree().root().toString()));
      argv.addAll(args);
      CliRun there = Cli.run(w.devices.connector(), Clock.systemUTC(), argv.toArray(String[]::new));
      if (there.exitCode() != 0) {
        throw new DriverException("kvm-sriov on " + host + " failed: " + there.err());
      }
      return there.out();
    };

    CliRun r = migrate(destination);

    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(whenTheDomainArrived).as("the source took the GUID out before the destination put it in")
        .containsExactly(List.of());
    assertThat(w.leases()).as("released here").isEmpty();
    assertThat(new FileLedger(dstLedger).snapshot().leases().values()).singleElement()
        .satisfies(l -> assertThat(l.guid()).contains(LEASED));
    assertThat(sm.observe(Set.of(LEASED))).containsExactly(new PartitionMember(PARTITION, LEASED, Membership.FULL, true));
    assertThat(awaitPkeys(VF, t -> t.contains(0xce20))).containsExactly(0xffff, 0xce20);
  }

  /**
   * This host's migrate of the VM, served by the driver service with {@code destination} as its
   * way to the other host; the domain arrives there (libvirt's test driver, shared by both).
   */
  CliRun migrate(RemoteDriver destination) {
    Wiring wiring = new Wiring(new Wiring.Host(w.state, w.ledgerDir, w.host.tree().root(), Optional.empty()),
        uri -> arrivingOnMigrate(w.devices.connector().connect(uri)), Clock.systemUTC());
    DriverService svc = wiring.driverService(wiring.perRequest(), dir.resolve("stock"), Duration.ofSeconds(5),
        destination, step -> { });
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = svc.handle(new DriverCall.Vmm("migrate", List.of("one-" + VM, "node02", "node01", Integer.toString(VM),
        "node01")), new ByteArrayInputStream(new byte[0]), out, err, new Caller(Map.of()));
    return new CliRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** OpenSM lists the GUID nowhere, the operator's file is as it was, the port lost 0xce20. */
  static void assertTheGuidLeftItsPartition() throws Exception {
    assertThat(sm.observe(Set.of(LEASED))).isEmpty();
    assertThat(Files.readString(partitions)).isEqualTo(OPERATOR);
    assertThat(awaitPkeys(VF, t -> !t.contains(0xce20))).containsExactly(0xffff);
  }

  /**
   * {@code hv}, except that a migration succeeds: the domain, as it runs without its VFs, is
   * started anew in the same test driver, which stands for the destination's libvirt (the test
   * driver cannot migrate; everything else is its own, hot-plug included).
   */
  static Hypervisor arrivingOnMigrate(Hypervisor hv) {
    return (Hypervisor) Proxy.newProxyInstance(Hypervisor.class.getClassLoader(), new Class<?>[] {Hypervisor.class},
        (proxy, method, args) -> {
          if (method.getName().equals("migrate")) {
            String xml = hv.xml((String) args[0]);
            hv.destroy((String) args[0]);
            hv.create(xml);
            return null;
          }
          try {
            return method.invoke(hv, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }
}
