package org.kvmsriov.adapters.opensm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.kvmsriov.adapters.opensm.OpenSmFabricTest.VF;
import static org.kvmsriov.adapters.opensm.OpenSmFabricTest.WORK;
import static org.kvmsriov.adapters.opensm.OpenSmFabricTest.awaitPkeys;
import static org.kvmsriov.adapters.opensm.OpenSmFabricTest.ok;
import static org.kvmsriov.adapters.opensm.OpenSmFabricTest.script;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
import org.kvmsriov.engine.DriverCommandTest;
import org.kvmsriov.model.Guid;
import org.kvmsriov.model.Pkey;
import org.kvmsriov.model.SubnetManagerSpec;
import org.kvmsriov.port.Membership;
import org.kvmsriov.port.PartitionMember;
import org.kvmsriov.testsupport.CliRun;
import org.kvmsriov.testsupport.DriverWorld;
import org.kvmsriov.testsupport.ShmTempDir;
import org.kvmsriov.testsupport.VnmTemplate;

/**
 * tldr: the engine keeps a real OpenSM's partitions in step with its leases. A VM whose NIC has
 * VLAN_ID 20000 on the ConnectX-4 (mlx5, MLNX_OFED sysfs fixture) is deployed, shut down and
 * reconciled through the CLI against libvirt's test driver; the VF is modelled by ibsim's VfHca,
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
    assertThat(Files.readString(partitions)).isEqualTo(OPERATOR);
    assertThat(awaitPkeys(VF, t -> !t.contains(0xce20))).containsExactly(0xffff);
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
    assertThat(Files.readString(partitions)).isEqualTo(OPERATOR);
    assertThat(awaitPkeys(VF, t -> !t.contains(0xce20))).containsExactly(0xffff);
  }
}
