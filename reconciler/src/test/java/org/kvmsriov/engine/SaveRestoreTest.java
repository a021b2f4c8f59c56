package org.kvmsriov.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kvmsriov.model.MacAddress;
import org.kvmsriov.model.PfName;
import org.kvmsriov.model.Pkey;
import org.kvmsriov.port.DomainInfo;
import org.kvmsriov.port.Lease;
import org.kvmsriov.port.LeaseState;
import org.kvmsriov.port.ParkedNic;
import org.kvmsriov.port.PciHostdev;
import org.kvmsriov.testsupport.CliRun;
import org.kvmsriov.testsupport.VnmTemplate;

/**
 * save and restore of VMs holding VFs, run as OpenNebula's exec driver runs them, against
 * libvirt's test driver (which really saves and restores, and really refuses a checkpoint in a
 * directory that does not exist, a corrupt or missing checkpoint, and device hot-plug) with
 * hot-plug added by {@link org.kvmsriov.testsupport.HotplugTestDriver}, and the ConnectX-3 of the
 * standard sysfs host, so GUIDs and pkey maps are read back from the files the kernel shows.
 * Whatever libvirt refuses, no lease, GUID or pkey map is left behind and the VM stays where it
 * was: running with its VFs, or saved with its NICs' identities parked.
 */
class SaveRestoreTest extends DriverWorldTest {

  static final String HOST = """
      driver: {dummy_bridge: br-dummy, mac_prefix: "aa"}
      pfs:
        ib0:
          mode: mlnx_ofed2
          ofed: {port: 1}
          vfs: [%s, %s, %s]
        enp3s0f0:
          mode: generic
          discover: true
      """;
  static final PfName IB0 = new PfName("ib0");

  @Override
  String hostYaml() {
    return HOST;
  }

  /** The network driver's pre (5.10+ form: template on stdin), then deploy: VLAN_ID 11 → pkey 0x000b at port index 2. */
  void deployOnIb(int vmId) {
    assertThat(w.vnm(VnmTemplate.vm(vmId).nic(0, "sriov_ib0", mac(vmId), "11").base64(), "pre").exitCode()).isZero();
    CliRun r = w.deploy(vmId, DriverCommandTest.deployment(vmId, "sriov_ib0"));
    assertThat(r.exitCode()).as(r.err()).isZero();
  }

  /** The MAC {@link DriverCommandTest#deployment} gives a VM's first NIC. */
  static String mac(int vmId) {
    return String.format("02:00:0a:00:%02x:00", vmId);
  }

  /** The GUID mlnx_ofed2 programs for a VM's first SR-IOV NIC (prefix, position 0, low MAC octets). */
  static String guid(int vmId) {
    return String.format("aa000a00%02x00", vmId);
  }

  Path checkpoint(int vmId) {
    return w.vmDir(vmId).resolve("checkpoint");
  }

  CliRun save(int vmId, Path checkpoint) {
    return save(vmId, checkpoint, "");
  }

  CliRun restore(int vmId, Path checkpoint) {
    return restore(vmId, checkpoint, "");
  }

  CliRun save(int vmId, Path checkpoint, String actionData) {
    return w.driver(actionData, "save", "one-" + vmId, checkpoint.toString(), "node01", Integer.toString(vmId),
        "0");
  }

  CliRun restore(int vmId, Path checkpoint, String actionData) {
    return w.driver(actionData, "restore", checkpoint.toString(), "node01", "one-" + vmId, Integer.toString(vmId),
        "0");
  }

  /** OpenNebula's VMM_DRIVER_ACTION_DATA, trimmed to what the hooks are chosen by, and bytes beyond ASCII. */
  static String actionData(String tmMad) {
    return "<VMM_DRIVER_ACTION_DATA><HOST>node01</HOST><DATASTORE><ID>0</ID><NAME>system</NAME>"
        + "<TM_MAD><![CDATA[" + tmMad + "]]></TM_MAD></DATASTORE><VM><NAME>caf\u00e9 \u2603</NAME></VM>"
        + "</VMM_DRIVER_ACTION_DATA>\n";
  }

  /** A stock-dir hook that records its argv ({@code <hook>.args}, one a line) and stdin ({@code <hook>.stdin}). */
  Path hook(String name, int exit) throws Exception {
    Path h = dir.resolve("stock").resolve(name);
    Files.createDirectories(h.getParent());
    Files.writeString(h, "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$0.args\"\ncat > \"$0.stdin\"\nexit " + exit + "\n");
    Files.setPosixFilePermissions(h, PosixFilePermissions.fromString("rwxr-xr-x"));
    return h;
  }

  static List<String> argsOf(Path hook) throws Exception {
    return Files.readAllLines(hook.resolveSibling(hook.getFileName() + ".args"));
  }

  static byte[] stdinOf(Path hook) throws Exception {
    return Files.readAllBytes(hook.resolveSibling(hook.getFileName() + ".stdin"));
  }

  @Test
  void saveDetachesTheVfParksItsIdentityAndFreesIt() throws Exception {
    String before = w.ibState(0);
    deployOnIb(50);
    assertThat(w.leases()).singleElement().satisfies(l -> assertThat(l.vfIndex()).isZero());
    assertThat(w.ibState(0)).isEqualTo(guid(50) + " pkey_idx 2,none");

    CliRun r = save(50, checkpoint(50));
    assertThat(r.err()).isEmpty();
    assertThat(r.exitCode()).isZero();
    assertThat(w.devices.calls()).singleElement().asString().startsWith("detach one-50 ").contains("ua-sriov-0");
    assertThat(w.domain("one-50")).as("saved: no longer running").isEmpty();
    assertThat(Files.size(checkpoint(50))).isPositive();
    assertThat(w.leases()).as("VF freed").isEmpty();
    assertThat(w.parked()).singleElement().satisfies(p -> {
      assertThat(p.domain()).isEqualTo("one-50");
      assertThat(p.position()).isZero();
      assertThat(p.pf()).isEqualTo(IB0);
      assertThat(p.mac()).isEqualTo(MacAddress.parse("aa:00:0a:00:32:00"));
      assertThat(p.pkey()).contains(new Pkey(0x000b));
    });
    // GUID put back as found, pkey map back to the default partition
    assertThat(w.adminGuid(0)).isEqualTo(before.substring(0, before.indexOf(' ')));
    assertThat(w.pkeyIdx(0, 0)).isEqualTo("0");
  }

  @Test
  void libvirtRefusingTheSaveAttachesTheVfAgainAndKeepsItsLease() throws Exception {
    deployOnIb(51);
    String deployed = w.ibState(0);
    Path nowhere = dir.resolve("no-such-dir/checkpoint");

    CliRun r = save(51, nowhere);
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).startsWith("ERROR MESSAGE --8<------\nsave of one-51 failed: ")
        .contains("No such file or directory").contains("; its VFs are attached again\nERROR MESSAGE ------>8--");
    assertThat(w.devices.calls()).hasSize(2).satisfiesExactly(
        c -> assertThat(c).startsWith("detach one-51 "), c -> assertThat(c).startsWith("attach one-51 "));
    assertThat(w.domain("one-51").map(DomainInfo::isActive)).contains(true);
    assertThat(w.vfsOf("one-51")).containsExactly(w.host.mlx4().vfs().get(0));
    assertThat(w.leases()).singleElement().satisfies(l -> {
      assertThat(l.state()).isEqualTo(LeaseState.ATTACHED);
      assertThat(l.domain()).contains("one-51");
    });
    assertThat(w.parked()).isEmpty();
    assertThat(w.ibState(0)).isEqualTo(deployed);
    assertThat(nowhere.getParent()).doesNotExist();
  }

  @Test
  void libvirtRefusingTheDetachChangesNothing() throws Exception {
    deployOnIb(52);
    String ledger = w.ledgerFile();
    String deployed = w.ibState(0);
    w.devices.refuseDetach(true); // the test driver's own refusal

    CliRun r = save(52, checkpoint(52));
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).startsWith("ERROR MESSAGE --8<------\nsave of one-52 failed: ")
        .contains("not supported by the connection driver");
    assertThat(w.ledgerFile()).isEqualTo(ledger);
    assertThat(w.ibState(0)).isEqualTo(deployed);
    assertThat(w.vfsOf("one-52")).containsExactly(w.host.mlx4().vfs().get(0));
    assertThat(checkpoint(52)).doesNotExist();
  }

  @Test
  void restoreLeasesAnyFreeVfProgramsItAttachesItAndConsumesTheParkedNic() throws Exception {
    deployOnIb(53);
    assertThat(save(53, checkpoint(53)).exitCode()).isZero();
    deployOnIb(54); // takes VF 0 meanwhile: the restored NIC gets another VF
    assertThat(w.leases()).singleElement().satisfies(l -> assertThat(l.vfIndex()).isZero());
    assertThat(w.vnm(VnmTemplate.vm(53).nic(0, "sriov_ib0", mac(53), "11").base64(), "pre").exitCode()).isZero();

    CliRun r = restore(53, checkpoint(53));
    assertThat(r.err()).isEmpty();
    assertThat(r.exitCode()).isZero();
    DomainInfo d = w.domain("one-53").orElseThrow();
    assertThat(d.isActive()).isTrue();
    assertThat(d.hostdevs()).extracting(PciHostdev::source).containsExactly(w.host.mlx4().vfs().get(1));
    assertThat(d.hostdevs()).extracting(PciHostdev::alias).containsExactly(Optional.of("ua-sriov-0"));
    Lease l = w.ledger().leaseOfVf(w.host.mlx4().vfs().get(1)).orElseThrow();
    assertThat(l.domain()).contains("one-53");
    assertThat(l.state()).isEqualTo(LeaseState.ATTACHED);
    assertThat(l.pkey()).contains(new Pkey(0x000b));
    assertThat(w.ibState(1)).as("GUID and partition programmed on the new VF").isEqualTo(guid(53) + " pkey_idx 2,none");
    assertThat(w.parked()).as("parked identity consumed").isEmpty();
  }

  @Test
  void libvirtRefusingTheRestoreLeavesNoLeaseNoGuidAndKeepsTheParkedNic() throws Exception {
    deployOnIb(55);
    assertThat(save(55, checkpoint(55)).exitCode()).isZero();
    Path good = Files.copy(checkpoint(55), w.vmDir(55).resolve("checkpoint.good"));
    String saved = w.ibState(0);
    var parked = w.parked();

    Files.writeString(checkpoint(55), "not a libvirt save image\n"); // corrupt
    CliRun corrupt = restore(55, checkpoint(55));
    assertThat(corrupt.exitCode()).isEqualTo(1);
    assertThat(corrupt.err()).startsWith("ERROR MESSAGE --8<------\nrestore of one-55 failed: ")
        .contains("mismatched header magic");
    CliRun missing = restore(55, w.vmDir(55).resolve("no-checkpoint"));
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.err()).startsWith("ERROR MESSAGE --8<------\nrestore of one-55 failed: ")
        .contains("No such file or directory");
    for (CliRun r : new CliRun[] {corrupt, missing}) {
      assertThat(r.out()).isEmpty();
    }
    assertThat(w.leases()).isEmpty();
    assertThat(w.ibState(0)).as("GUID and pkey map put back").isEqualTo(saved);
    assertThat(w.domain("one-55")).isEmpty();
    assertThat(w.parked()).isEqualTo(parked);

    // the parked identity still serves a restore that works
    CliRun again = restore(55, good);
    assertThat(again.exitCode()).as(again.err()).isZero();
    assertThat(w.vfsOf("one-55")).hasSize(1);
    assertThat(w.ibState(0)).isEqualTo(guid(55) + " pkey_idx 2,none");
    assertThat(w.parked()).isEmpty();
  }

  @Test
  void anAttachRefusedAfterRestoreLeavesTheNicParkedForTheReconciler() throws Exception {
    deployOnIb(56);
    assertThat(save(56, checkpoint(56)).exitCode()).isZero();
    String saved = w.ibState(0);
    ParkedNic parked = w.parked().get(0);
    w.devices.refuseAttach(true);

    CliRun r = restore(56, checkpoint(56));
    assertThat(r.exitCode()).as("the VM runs: OpenNebula must not cancel it").isZero();
    assertThat(r.err()).startsWith("WARNING: one-56 restored without VF " + w.host.mlx4().vfs().get(0) + " (")
        .contains("not supported by the connection driver").contains("the reconciler will lease and attach one");
    assertThat(w.domain("one-56").map(DomainInfo::isActive)).contains(true);
    assertThat(w.vfsOf("one-56")).isEmpty();
    assertThat(w.leases()).isEmpty();
    assertThat(w.ibState(0)).isEqualTo(saved);
    assertThat(w.parked()).containsExactly(parked);

    // the reconciler's pass leases a VF, programs and attaches it, once libvirt lets it
    CliRun plan = w.reconcile("--once", "--dry-run", "--domain", "one-56");
    assertThat(plan.out()).contains("lease ib0 VF 0 (" + w.host.mlx4().vfs().get(0)
        + ") and attach it to one-56 for its parked SR-IOV NIC 0 (aa:00:0a:00:38:00)");
    w.devices.refuseAttach(false);
    CliRun healed = w.reconcile("--once", "--domain", "one-56");
    assertThat(healed.exitCode()).as(healed.out()).isZero();
    assertThat(w.vfsOf("one-56")).containsExactly(w.host.mlx4().vfs().get(0));
    assertThat(w.ibState(0)).isEqualTo(guid(56) + " pkey_idx 2,none");
    assertThat(w.parked()).isEmpty();
    assertThat(w.reconcile("--once", "--domain", "one-56").out()).isEqualTo("converged: nothing to do\n");
  }

  @Test
  void aVfThatCannotBeResetAtSaveStillParksTheNicAndIsNeverAttachedBesideTheNewOne() throws Exception {
    deployOnIb(58);
    Path admin = w.host.tree().path(w.host.mlx4().hcaDir() + "/iov/ports/1/admin_guids/1");
    String programmed = Files.readString(admin);
    Files.delete(admin);
    Files.createDirectory(admin); // the GUID cannot be written back

    CliRun r = save(58, checkpoint(58));
    assertThat(r.exitCode()).as("libvirt saved the VM: the save succeeded").isZero();
    assertThat(r.err()).startsWith("WARNING: VF " + w.host.mlx4().vfs().get(0) + " could not be reset (")
        .endsWith("); the reconciler releases it\n");
    assertThat(w.parked()).singleElement().satisfies(p -> assertThat(p.domain()).isEqualTo("one-58"));
    assertThat(w.leases()).singleElement().satisfies(l -> assertThat(l.state()).isEqualTo(LeaseState.RELEASING));

    Files.delete(admin);
    Files.writeString(admin, programmed);
    assertThat(restore(58, checkpoint(58)).exitCode()).isZero();
    assertThat(w.vfsOf("one-58")).containsExactly(w.host.mlx4().vfs().get(1));
    // the old VF waits to be released (its owner's grace period), never re-attached beside VF 1
    assertThat(w.reconcile("--once", "--dry-run", "--domain", "one-58").out())
        .isEqualTo("converged: nothing to do\n");
  }

  @Test
  void genericModeSavesAndRestores() throws Exception {
    CliRun deployed = w.deploy(57, DriverCommandTest.deployment(57, "sriov_enp3s0f0"));
    assertThat(deployed.exitCode()).as(deployed.err()).isZero();
    assertThat(save(57, checkpoint(57)).exitCode()).isZero();
    assertThat(w.leases()).isEmpty();
    assertThat(w.parked()).singleElement().satisfies(p -> {
      assertThat(p.pf()).isEqualTo(new PfName("enp3s0f0"));
      assertThat(p.mac()).isEqualTo(MacAddress.parse("aa:00:0a:00:39:00"));
      assertThat(p.pkey()).isEmpty();
    });

    CliRun r = restore(57, checkpoint(57));
    assertThat(r.err()).isEmpty();
    assertThat(r.exitCode()).isZero();
    assertThat(w.vfsOf("one-57")).containsExactly(w.host.nic().vfs().get(0));
    assertThat(w.leases()).singleElement().satisfies(l -> {
      assertThat(l.domain()).contains("one-57");
      assertThat(l.state()).isEqualTo(LeaseState.ATTACHED);
      assertThat(l.mac()).contains(MacAddress.parse("aa:00:0a:00:39:00"));
    });
    assertThat(w.parked()).isEmpty();
    // the dummy NIC carrying the identity came back with the saved domain
    assertThat(w.libvirt.xml("one-57")).contains("aa:00:0a:00:39:00");
  }

  // ------------------------------------------------ the system datastore's hooks, the checkpoint file

  @Test
  void saveAndRestoreRunTheSystemDatastoresHooksWithTheirArgvAndStdinByteForByte() throws Exception {
    Path save = hook("save.ceph", 0);
    Path restore = hook("restore.ceph", 0);
    deployOnIb(60);
    Files.createDirectories(checkpoint(60).getParent());
    Files.writeString(checkpoint(60), "an older checkpoint\n");
    String data = actionData("ceph");

    CliRun saved = save(60, checkpoint(60), data);
    assertThat(saved.exitCode()).as(saved.err()).isZero();
    assertThat(argsOf(save)).containsExactly("one-60", checkpoint(60).toString(), "node01", "60", "0");
    assertThat(stdinOf(save)).isEqualTo(data.getBytes(StandardCharsets.UTF_8));
    assertThat(restore.resolveSibling("restore.ceph.args")).doesNotExist();
    try (Stream<Path> files = Files.list(w.vmDir(60))) {
      assertThat(files.filter(f -> f.getFileName().toString().matches("checkpoint\\.[0-9]+")))
          .as("the older checkpoint moved aside to checkpoint.<epoch>").singleElement()
          .satisfies(f -> assertThat(f).hasContent("an older checkpoint"));
    }
    assertThat(Files.size(checkpoint(60))).as("the new one in its place").isGreaterThan(100);

    CliRun restored = restore(60, checkpoint(60), data);
    assertThat(restored.exitCode()).as(restored.err()).isZero();
    assertThat(argsOf(restore)).containsExactly(checkpoint(60).toString(), "node01", "one-60", "60", "0");
    assertThat(stdinOf(restore)).isEqualTo(data.getBytes(StandardCharsets.UTF_8));
    assertThat(w.vfsOf("one-60")).hasSize(1);
    assertThat(checkpoint(60)).as("removed once the VM runs again, as the stock restore does").doesNotExist();
  }

  @Test
  void aDatastoreWithoutHooksSavesAndRestores() throws Exception {
    deployOnIb(61);
    assertThat(save(61, checkpoint(61), actionData("shared")).exitCode()).isZero();
    CliRun r = restore(61, checkpoint(61), actionData("shared"));
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out() + r.err()).isEmpty();
    assertThat(w.vfsOf("one-61")).hasSize(1);
  }

  @Test
  void aFailingSaveHookFailsTheSaveButTheVmStaysSavedWithItsNicsParked() throws Exception {
    hook("save.ceph", 3);
    deployOnIb(62);

    CliRun r = save(62, checkpoint(62), actionData("ceph"));
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("ERROR MESSAGE --8<------\nsystem datastore hook save.ceph failed (exit 3); the VM is"
        + " saved to " + checkpoint(62) + ", its SR-IOV NICs parked for its restore\nERROR MESSAGE ------>8--\n");
    assertThat(w.domain("one-62")).isEmpty();
    assertThat(w.leases()).isEmpty();
    assertThat(w.parked()).singleElement().satisfies(p -> assertThat(p.domain()).isEqualTo("one-62"));

    CliRun again = restore(62, checkpoint(62), actionData("ceph"));
    assertThat(again.exitCode()).as(again.err()).isZero();
    assertThat(w.vfsOf("one-62")).hasSize(1);
    assertThat(w.parked()).isEmpty();
  }

  @Test
  void aFailingRestoreHookFailsBeforeAnythingIsLeased() throws Exception {
    Path hook = hook("restore.ceph", 4);
    deployOnIb(63);
    assertThat(save(63, checkpoint(63), actionData("ceph")).exitCode()).isZero();
    String ledger = w.ledgerFile();
    String saved = w.ibState(0);

    CliRun r = restore(63, checkpoint(63), actionData("ceph"));
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("ERROR MESSAGE --8<------\nsystem datastore hook restore.ceph failed (exit 4);"
        + " nothing was restored or leased\nERROR MESSAGE ------>8--\n");
    assertThat(argsOf(hook)).containsExactly(checkpoint(63).toString(), "node01", "one-63", "63", "0");
    assertThat(w.ledgerFile()).isEqualTo(ledger);
    assertThat(w.ibState(0)).isEqualTo(saved);
    assertThat(w.domain("one-63")).isEmpty();
    assertThat(checkpoint(63)).exists();
  }

  @ParameterizedTest
  @ValueSource(strings = {"../../../../bin/true", "/bin/true", "ceph/..", "Ceph", "ceph;true", "ceph x", "-"})
  void aTmMadThatIsNoDriverNameIsRefusedWithNothingChanged(String tm) throws Exception {
    deployOnIb(64);
    Files.createDirectories(checkpoint(64).getParent());
    Files.writeString(checkpoint(64), "an older checkpoint\n");
    String ledger = w.ledgerFile();
    String deployed = w.ibState(0);

    CliRun s = save(64, checkpoint(64), actionData(tm));
    assertThat(s.exitCode()).isEqualTo(2);
    assertThat(s.err()).startsWith("ERROR MESSAGE --8<------\nsave: the system datastore's TM_MAD '" + tm
        + "' is not a driver name");
    assertThat(w.devices.calls()).isEmpty();
    assertThat(w.vfsOf("one-64")).hasSize(1);
    assertThat(w.ledgerFile()).isEqualTo(ledger);
    assertThat(w.ibState(0)).isEqualTo(deployed);
    try (Stream<Path> files = Files.list(w.vmDir(64))) {
      assertThat(files.map(f -> f.getFileName().toString())).as("the older checkpoint where it was")
          .contains("checkpoint").noneMatch(f -> f.startsWith("checkpoint."));
    }

    assertThat(save(64, checkpoint(64)).exitCode()).isZero();
    String savedLedger = w.ledgerFile();
    CliRun r = restore(64, checkpoint(64), actionData(tm));
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("restore: the system datastore's TM_MAD '" + tm + "' is not a driver name");
    assertThat(w.ledgerFile()).isEqualTo(savedLedger);
    assertThat(w.domain("one-64")).isEmpty();
    assertThat(checkpoint(64)).exists();
  }

  @Test
  void restoreAfterASystemDatastoreMigrationPointsTheVmsPathsAtTheCheckpointsDatastore() throws Exception {
    Path oldDisk = dir.resolve("datastores/0/65/disk.0");
    String disk = "\t\t<disk type='file' device='disk'><source file='" + oldDisk.toString().replace("/datastores/",
        "//datastores/") + "'/><target dev='vda' bus='virtio'/></disk>\n";
    String other = "\t\t<disk type='file' device='cdrom'><source file='" + dir.resolve("datastores/0/66/disk.1")
        + "'/><target dev='hdc' bus='ide'/></disk>\n";
    assertThat(w.vnm(VnmTemplate.vm(65).nic(0, "sriov_ib0", mac(65), "11").base64(), "pre").exitCode()).isZero();
    CliRun d = w.deploy(65, DriverCommandTest.deployment(65, "sriov_ib0").replace("\t<devices>\n",
        "\t<devices>\n" + disk + other));
    assertThat(d.exitCode()).as(d.err()).isZero();
    assertThat(save(65, checkpoint(65)).exitCode()).isZero();
    Path moved = dir.resolve("datastores/101/65/checkpoint"); // the TM moved the VM's directory to DS 101
    Files.createDirectories(moved.getParent());
    Files.move(checkpoint(65), moved);

    CliRun r = restore(65, moved);
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(w.devices.restoreOverrides()).singleElement().satisfies(xml -> assertThat(xml).hasValueSatisfying(x ->
        assertThat(x).contains("//datastores/101/65/disk.0'").doesNotContain("/datastores/0/65/")
            .contains(dir.resolve("datastores/0/66/disk.1") + "'")));
    assertThat(moved).doesNotExist();

    // where the checkpoint stayed, the saved XML is restored as it is
    assertThat(save(65, checkpoint(65)).exitCode()).isZero();
    assertThat(restore(65, checkpoint(65)).exitCode()).isZero();
    assertThat(w.devices.restoreOverrides()).last().isEqualTo(Optional.empty());
  }
}
