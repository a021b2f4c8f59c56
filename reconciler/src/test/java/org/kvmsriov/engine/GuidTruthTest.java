package org.kvmsriov.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvmsriov.app.Wiring;
import org.kvmsriov.model.Guid;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.plan.Action;
import org.kvmsriov.port.FabricView;
import org.kvmsriov.port.Hypervisor;
import org.kvmsriov.port.LeaseState;
import org.kvmsriov.testsupport.CliRun;
import org.kvmsriov.testsupport.DriverWorld;
import org.kvmsriov.testsupport.ShmTempDir;
import org.kvmsriov.testsupport.VnmTemplate;

/**
 * GUID truth and the function-level reset, on the ConnectX-3 (mlx4 alias GUIDs) and the
 * ConnectX-4 (MLNX_OFED sysfs) of the standard fixture host, through the CLI as OpenNebula runs
 * it: a GUID changed behind kvm-sriov's back is drift that a pass programs again; a write that
 * does not read back fails its action; release puts back the GUID the VF had before the lease
 * (an unset one: cleared) and, with {@code reset: flr}, writes {@code 1} to the VF's {@code reset}
 * before the VF can be leased again; GUIDs come from a PF's {@code guid_pool} when it has one.
 */
class GuidTruthTest {

  static final String HOST = """
      driver: {dummy_bridge: br-dummy, mac_prefix: "aa"}
      pfs:
        ib0:
          mode: mlnx_ofed2
          ofed: {port: 1}
          reset: flr
          vfs: [%s, %s]
        ib2:
          mode: mlnx_ofed2
          ofed: {port: 1}
          reset: flr
          vfs: [0000:81:00.2, 0000:81:00.3]
      """;

  @TempDir(factory = ShmTempDir.class) Path dir;
  DriverWorld w;

  void world(String hostYaml) throws Exception {
    w = new DriverWorld(dir, hostYaml, true);
  }

  @AfterEach
  void close() {
    if (w != null) {
      w.close();
    }
  }

  /** pre (VLAN_ID 11), then deploy with one SR-IOV NIC per bridge. */
  CliRun deploy(int vmId, String... bridges) {
    VnmTemplate t = VnmTemplate.vm(vmId);
    for (int i = 0; i < bridges.length; i++) {
      t = t.nic(i, bridges[i], String.format("02:00:0a:00:%02x:%02x", vmId, i), "11");
    }
    assertThat(w.vnm(t.base64(), "pre").exitCode()).isZero();
    return w.deploy(vmId, DriverCommandTest.deployment(vmId, bridges));
  }

  CliRun shutdown(int vmId) {
    return w.driver("", "shutdown", "one-" + vmId, "node01", Integer.toString(vmId), "node01");
  }

  /** The GUID mlnx_ofed2 derives for a VM's first SR-IOV NIC. */
  static Guid derived(int vmId) {
    return Guid.parse(String.format("0x0000aa000a00%02x00", vmId));
  }

  String read(String rel) throws Exception {
    return Files.readString(w.host.tree().path(rel));
  }

  void write(String rel, String value) throws Exception {
    Files.writeString(w.host.tree().path(rel), value + "\n");
  }

  String resetFile(PciAddress vf) {
    return "sys/bus/pci/devices/" + vf + "/reset";
  }

  String ofed(int vf, String attr) {
    return w.host.mlx5().pfDir() + "/sriov/" + vf + "/" + attr;
  }

  @Test
  void mlx4ReleasePutsTheOriginalGuidBackAndResetsTheFunction() throws Exception {
    world(HOST);
    PciAddress vf = w.host.mlx4().vfs().get(0);
    String original = w.adminGuid(0);
    CliRun r = deploy(60, "sriov_ib0");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(w.adminGuid(0)).isEqualTo(Long.toHexString(derived(60).value()));
    assertThat(w.leases()).singleElement().satisfies(l ->
        assertThat(l.originalGuid()).contains(Guid.parse(original)));
    assertThat(read(resetFile(vf))).as("no reset while leased").isEmpty();

    r = shutdown(60);
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(w.leases()).isEmpty();
    assertThat(w.adminGuid(0)).isEqualTo(original);
    assertThat(read(resetFile(vf))).isEqualTo("1\n");
  }

  @Test
  void mlx5ReleaseClearsAGuidThatWasUnsetAndResetsTheFunction() throws Exception {
    world(HOST);
    PciAddress vf = w.host.mlx5().vfs().get(0);
    write(ofed(0, "node"), "00:00:00:00:00:00:00:00"); // an uninitialised VF, as fresh mlx5 VFs are
    write(ofed(0, "port"), "00:00:00:00:00:00:00:00");
    CliRun r = deploy(61, "sriov_ib2");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(read(ofed(0, "port")).strip()).isEqualTo(derived(61).toColons());
    assertThat(read(ofed(0, "node")).strip()).isEqualTo(derived(61).toColons());
    assertThat(read(ofed(0, "policy")).strip()).isEqualTo("Follow");
    assertThat(w.leases()).singleElement().satisfies(l ->
        assertThat(l.originalGuid()).contains(new Guid(0)));

    r = shutdown(61);
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(w.leases()).isEmpty();
    assertThat(read(ofed(0, "port"))).isEqualTo("00:00:00:00:00:00:00:00\n");
    assertThat(read(ofed(0, "node"))).isEqualTo("00:00:00:00:00:00:00:00\n");
    assertThat(read(resetFile(vf))).isEqualTo("1\n");
  }

  @Test
  void aResetThatFailsKeepsTheLeaseReleasingUntilAPassCanReset() throws Exception {
    world(HOST);
    PciAddress vf = w.host.mlx5().vfs().get(0);
    assertThat(deploy(62, "sriov_ib2").exitCode()).isZero();
    w.host.tree().delete(resetFile(vf)); // the kernel offers no reset for this device now

    CliRun r = shutdown(62);
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("one-62 is stopped but these VFs could not be reset (the reconciler retries): "
        + vf + ": ").contains(vf + "/reset: does not exist, cannot write '1'");
    assertThat(w.leases()).singleElement().satisfies(l -> assertThat(l.state()).isEqualTo(LeaseState.RELEASING));

    CliRun again = w.reconcile("--once");
    assertThat(again.out()).contains("release ib2 VF 0 (" + vf + ")");
    assertThat(w.leases()).as("still not reset: still leased").singleElement()
        .satisfies(l -> assertThat(l.state()).isEqualTo(LeaseState.RELEASING));
    CliRun lease = deploy(63, "sriov_ib2");
    assertThat(lease.exitCode()).isZero();
    assertThat(w.leases()).as("the VF is not leased again before its reset").hasSize(2)
        .anySatisfy(l -> assertThat(l.vf()).isEqualTo(w.host.mlx5().vfs().get(1)));

    w.host.tree().emptyFile(resetFile(vf));
    CliRun ok = w.reconcile("--once");
    assertThat(ok.exitCode()).as(ok.out() + ok.err()).isZero();
    assertThat(w.leases()).singleElement().satisfies(l -> assertThat(l.domain()).contains("one-63"));
    assertThat(read(resetFile(vf))).isEqualTo("1\n");
    assertThat(read(ofed(0, "port")).strip()).isEqualTo(Guid.parse("0x0200000000000000").toColons());
  }

  @Test
  void aGuidChangedBehindOurBackIsDriftThatAPassProgramsAgain() throws Exception {
    world(HOST);
    assertThat(deploy(64, "sriov_ib0", "sriov_ib2").exitCode()).isZero();
    Guid second = Guid.parse("0x0000aa010a004001"); // position 1 of VM 64
    write(w.host.mlx4().hcaDir() + "/iov/ports/1/admin_guids/1", "ffffffffffffffff");
    write(ofed(0, "port"), "02:00:00:00:00:00:00:09");

    CliRun dry = w.reconcile("--once", "--dry-run");
    assertThat(dry.out())
        .contains("program GUID " + derived(64) + " on ib0 VF 0 (shows ff:ff:ff:ff:ff:ff:ff:ff (unset))")
        .contains("program GUID " + second + " on ib2 VF 0 (shows 02:00:00:00:00:00:00:09)");
    assertThat(w.adminGuid(0)).as("a dry run changes nothing").isEqualTo("ffffffffffffffff");

    CliRun r = w.reconcile("--once");
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    assertThat(w.adminGuid(0)).isEqualTo(Long.toHexString(derived(64).value()));
    assertThat(read(ofed(0, "port")).strip()).isEqualTo(second.toColons());
    assertThat(w.reconcile("--once", "--dry-run").out()).doesNotContain("program GUID");
  }

  @Test
  void aGuidWriteThatDoesNotReadBackFailsItsActionAndStaysDrift() throws Exception {
    world(HOST);
    assertThat(deploy(65, "sriov_ib0").exitCode()).isZero();
    String admin = w.host.mlx4().hcaDir() + "/iov/ports/1/admin_guids/1";
    write(admin, "3e8c1d2f00a40101");

    Wiring wiring = new Wiring(new Wiring.Host(w.state, w.ledgerDir, w.host.tree().root(), Optional.empty()),
        w.devices.connector(), Clock.systemUTC());
    try (Hypervisor hv = w.devices.connector().connect("test:///default")) {
      EngineContext real = wiring.context(wiring.desired(), hv);
      // the HCA takes the write, then shows the value it had (as a kernel that ignores it would)
      FabricView ignoring = ignoringGuidWrites(real.fabric(), w.host.tree().path(admin));
      Engine engine = new Engine(new EngineContext(real.desired(), hv, ignoring, real.ledger(), real.owners(),
          real.clock(), real.detachTimeout(), real.subnetManagers()));
      PassResult pass = engine.reconcile(Optional.empty(), false);
      assertThat(pass.outcomes()).filteredOn(o -> o.action() instanceof Action.ProgramGuid).singleElement()
          .satisfies(o -> {
            assertThat(o.status()).isEqualTo(Outcome.Status.FAILED);
            assertThat(o.detail()).isEqualTo("ib0 VF 0 reads back GUID 3e:8c:1d:2f:00:a4:01:01 after "
                + derived(65) + " was written: the write did not take");
          });
    }
    assertThat(w.adminGuid(0)).isEqualTo("3e8c1d2f00a40101");
    assertThat(w.reconcile("--once", "--dry-run").out()).as("still drift for the next pass")
        .contains("program GUID " + derived(65) + " on ib0 VF 0 (shows 3e:8c:1d:2f:00:a4:01:01)");
  }

  /** {@code fabric}, except that every GUID write leaves {@code file} as it was. */
  static FabricView ignoringGuidWrites(FabricView fabric, Path file) {
    return (FabricView) Proxy.newProxyInstance(FabricView.class.getClassLoader(), new Class<?>[] {FabricView.class},
        (proxy, method, args) -> {
          byte[] before = method.getName().equals("programGuid") ? Files.readAllBytes(file) : null;
          try {
            return method.invoke(fabric, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          } finally {
            if (before != null) {
              Files.write(file, before);
            }
          }
        });
  }

  @Test
  void leasesTakeGuidsFromThePfsPoolAndAnExhaustedPoolIsRefusedWithNothingChanged() throws Exception {
    world(HOST.replace("    reset: flr\n    vfs: [%s, %s]",
        "    guid_pool: [\"0x0002c90300aa0001\"]\n    vfs: [%s, %s]"));
    String before = w.ibState(0) + " / " + w.ibState(1);
    CliRun refused = deploy(66, "sriov_ib0", "sriov_ib0");
    assertThat(refused.exitCode()).isEqualTo(1);
    assertThat(refused.err()).contains("no free GUID in the GUID pool of ib0: all 1 are leased (add GUIDs to"
        + " pfs.ib0.guid_pool, and to the subnet manager's configuration)");
    assertThat(w.ledgerFile()).doesNotContain("one-66");
    assertThat(w.ibState(0) + " / " + w.ibState(1)).isEqualTo(before);
    assertThat(w.domain("one-66")).isEmpty();

    CliRun r = deploy(67, "sriov_ib0");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(w.adminGuid(0)).isEqualTo("2c90300aa0001");
    assertThat(w.leases()).singleElement().satisfies(l ->
        assertThat(l.guid()).contains(Guid.parse("0x0002c90300aa0001")));

    CliRun second = deploy(68, "sriov_ib0");
    assertThat(second.exitCode()).isEqualTo(1);
    assertThat(second.err()).contains("no free GUID in the GUID pool of ib0: all 1 are leased");
    assertThat(w.ibState(1)).isEqualTo(before.substring(before.indexOf(" / ") + 3));

    assertThat(shutdown(67).exitCode()).isZero();
    assertThat(deploy(68, "sriov_ib0").exitCode()).as("released: the GUID is free again").isZero();
    assertThat(w.adminGuid(0)).isEqualTo("2c90300aa0001");
  }
}
