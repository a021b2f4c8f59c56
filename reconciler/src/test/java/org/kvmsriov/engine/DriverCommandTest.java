package org.kvmsriov.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.port.DomainInfo;
import org.kvmsriov.port.Lease;
import org.kvmsriov.port.LeaseState;
import org.kvmsriov.port.PciHostdev;
import org.kvmsriov.testsupport.CliRun;
import org.kvmsriov.testsupport.DriverWorld;

/**
 * The VMM actions run as OpenNebula's exec driver runs them (argv with VM id and host appended,
 * the deployment file on stdin), against libvirt's test driver and a two-NUMA-node sysfs tree
 * with a generic NIC and a ConnectX-3 ({@link org.kvmsriov.testsupport.DriverWorld}).
 */
public class DriverCommandTest extends DriverWorldTest {

  /** ib0 maps the ConnectX-3's first two VFs; enp3s0f0's VFs are discovered. */
  static final String HOST_YAML = DriverWorld.TWO_PFS;

  @Override
  String hostYaml() {
    return HOST_YAML;
  }

  public static String deployment(int vmId, String... bridges) {
    StringBuilder nics = new StringBuilder();
    for (int i = 0; i < bridges.length; i++) {
      nics.append("""
          \t\t<interface type='bridge'>
          \t\t\t<source bridge='%s'/>
          \t\t\t<mac address='02:00:0a:00:%02x:%02x'/>
          \t\t\t<target dev='one-%d-%d'/>
          \t\t</interface>
          """.formatted(bridges[i], vmId, i, vmId, i));
    }
    return """
        <domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
        \t<name>one-%d</name>
        \t<vcpu><![CDATA[1]]></vcpu>
        \t<memory>65536</memory>
        \t<os>
        \t\t<type arch='x86_64'>hvm</type>
        \t</os>
        \t<devices>
        %s\t</devices>
        </domain>
        """.formatted(vmId, nics);
  }

  Path deployFile(int vmId) {
    return w.vmDir(vmId).resolve("deployment.0");
  }

  CliRun driver(String stdin, String... args) {
    return w.driver(stdin, args);
  }

  List<Lease> leases() {
    return w.leases();
  }

  @Test
  void deployGivesThreeNicsOnTwoPfsThreeDistinctVfsAndWritesTheDomainXml() throws Exception {
    CliRun r = driver(deployment(42, "sriov_ib0", "br0", "sriov_enp3s0f0", "sriov_ib0"),
        "deploy", deployFile(42).toString(), "node01", "42", "node01");
    assertThat(r.err()).isEmpty();
    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).isEqualTo("one-42\n");

    DomainInfo d = w.libvirt.domain("one-42").orElseThrow();
    assertThat(d.isActive()).isTrue();
    List<PciAddress> vfs = d.hostdevs().stream().map(PciHostdev::source).toList();
    assertThat(vfs).hasSize(3).doesNotHaveDuplicates()
        .containsExactlyInAnyOrder(w.host.mlx4().vfs().get(0), w.host.mlx4().vfs().get(1), w.host.nic().vfs().get(0));
    String written = Files.readString(deployFile(42));
    assertThat(written).contains("ua-sriov-0", "ua-sriov-1", "ua-sriov-2", "<source bridge=\"br0\"/>",
        "<source bridge=\"br-dummy\"/>", "aa:01:0a:00:2a:02").doesNotContain("sriov_ib0");
    assertThat(leases()).hasSize(3).allSatisfy(l -> {
      assertThat(l.state()).isEqualTo(LeaseState.ATTACHED);
      assertThat(l.domain()).contains("one-42");
    });
    // mlnx_ofed2: GUID 00:00:aa:<pos>:<low 4 MAC octets> written to the VF's alias GUID entry (slave = index + 1)
    assertThat(Files.readString(w.host.tree().path(w.host.mlx4().hcaDir() + "/iov/ports/1/admin_guids/1")).strip())
        .isEqualTo("aa000a002a00");
    assertThat(Files.readString(w.host.tree().path(w.host.mlx4().hcaDir() + "/iov/ports/1/admin_guids/2")).strip())
        .isEqualTo("aa020a002a03"); // position 2: the br0 NIC is not an SR-IOV NIC
  }

  @Test
  void noFreeVfFailsFramedAndLeavesNoLease() throws Exception {
    assertThat(driver(deployment(1, "sriov_ib0", "sriov_ib0"), "deploy", deployFile(1).toString(), "node01", "1",
        "node01").exitCode()).isZero();
    String before = Files.readString(w.ledgerDir.resolve("leases.json"));
    CliRun r = driver(deployment(2, "sriov_enp3s0f0", "sriov_ib0"), "deploy", deployFile(2).toString(), "node01", "2",
        "node01");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("ERROR MESSAGE --8<------\nno free VF on ib0\nERROR MESSAGE ------>8--\n");
    assertThat(r.out()).isEmpty();
    assertThat(w.libvirt.domain("one-2")).isEmpty();
    assertThat(Files.readString(w.ledgerDir.resolve("leases.json"))).isEqualTo(before);
  }

  @Test
  void libvirtRefusingCreateRollsBackLeasesAndGuids() throws Exception {
    String guidFile = w.host.mlx4().hcaDir() + "/iov/ports/1/admin_guids/1";
    String guidBefore = Files.readString(w.host.tree().path(guidFile));
    // a disk without a target: libvirt refuses the definition at create
    String xml = deployment(5, "sriov_ib0", "sriov_enp3s0f0")
        .replace("\t</devices>", "\t\t<disk type='file' device='disk'><source file='/nowhere'/></disk>\n\t</devices>");
    CliRun r = driver(xml, "deploy", deployFile(5).toString(), "node01", "5", "node01");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).startsWith("ERROR MESSAGE --8<------\ndeploy of one-5 failed: ");
    assertThat(leases()).isEmpty();
    assertThat(w.libvirt.domain("one-5")).isEmpty();
    assertThat(Files.readString(w.host.tree().path(guidFile)).strip())
        .as("GUID restored").isEqualTo(guidBefore.strip());
  }

  @Test
  void cancelFreesTheVfsAndResetsGuids() throws Exception {
    String guidFile = w.host.mlx4().hcaDir() + "/iov/ports/1/admin_guids/1";
    String guidBefore = Files.readString(w.host.tree().path(guidFile)).strip();
    assertThat(driver(deployment(9, "sriov_ib0", "sriov_enp3s0f0"), "deploy", deployFile(9).toString(), "node01", "9",
        "node01").exitCode()).isZero();
    assertThat(leases()).hasSize(2);
    String uuid = w.libvirt.domain("one-9").orElseThrow().uuid().toString();
    CliRun r = driver("<VMM_DRIVER_ACTION_DATA/>", "cancel", uuid, "node01", "9", "node01");
    assertThat(r.err()).isEmpty();
    assertThat(r.exitCode()).isZero();
    assertThat(w.libvirt.domain("one-9").filter(DomainInfo::isActive)).isEmpty();
    assertThat(leases()).isEmpty();
    assertThat(Files.readString(w.host.tree().path(guidFile)).strip()).isEqualTo(guidBefore);
    // and cancelling again (OpenNebula's cleanup retries) is harmless
    assertThat(driver("", "cancel", "one-9", "node01", "9", "node01").exitCode()).isZero();
  }

  @Test
  void shutdownFreesTheVfs() {
    assertThat(driver(deployment(11, "sriov_enp3s0f0"), "deploy", deployFile(11).toString(), "node01", "11", "node01")
        .exitCode()).isZero();
    CliRun r = driver("", "shutdown", "one-11", "node01", "11", "node01");
    assertThat(r.err()).isEmpty();
    assertThat(r.exitCode()).isZero();
    assertThat(w.libvirt.domain("one-11").filter(DomainInfo::isActive)).isEmpty();
    assertThat(leases()).isEmpty();
  }

  @Test
  void refusesADoctypeAndABridgeThatIsAPathLeasingNothing() {
    String evil = "<?xml version='1.0'?><!DOCTYPE d [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
        + deployment(3, "sriov_ib0").replace("<name>one-3</name>", "<name>&x;</name>");
    CliRun r = driver(evil, "deploy", deployFile(3).toString(), "node01", "3", "node01");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("deployment file declares a DOCTYPE; refused");
    CliRun path = driver(deployment(4, "sriov_../../x"), "deploy", deployFile(4).toString(), "node01", "4", "node01");
    assertThat(path.exitCode()).isEqualTo(2);
    assertThat(path.err()).contains("NIC on bridge 'sriov_../../x': PF name '../../x' is not a valid interface name");
    assertThat(Files.exists(w.ledgerDir.resolve("leases.json")) ? leases() : List.of()).isEmpty();
    assertThat(Files.exists(deployFile(3)) || Files.exists(deployFile(4))).isFalse();
  }

  @Test
  void refusesBadArgv() {
    CliRun r = driver("", "cancel", "one-x", "node01", "7", "node01");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("cancel: deploy id 'one-x' is neither one-<id> nor a UUID");
    CliRun rel = driver("", "deploy", "relative/deployment.0", "node01", "7", "node01");
    assertThat(rel.err()).contains("must be an absolute path");
    CliRun unknown = driver("", "frobnicate", "one-7", "node01", "7", "node01");
    assertThat(unknown.err()).contains("unknown driver action 'frobnicate'");
  }

  @Test
  void stockActionsRunOpenNebulasOwnScript() throws Exception {
    echoingStockScript("reboot");
    CliRun r = driver("", "reboot", "one-7", "node01", "7", "node01");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).isEqualTo("stock reboot one-7 node01 7 node01\n");
  }

  @Test
  void attachNicThatLibvirtRefusesLeavesNoLeaseAndNoGuid() throws Exception {
    assertThat(driver(deployment(21, "br0"), "deploy", deployFile(21).toString(), "node01", "21", "node01")
        .exitCode()).isZero();
    String guidFile = w.host.mlx4().hcaDir() + "/iov/ports/1/admin_guids/1";
    String guidBefore = Files.readString(w.host.tree().path(guidFile)).strip();
    // libvirt's test driver's own refusal to hot-plug: the attach step itself fails
    w.devices.refuseAttach(true);
    CliRun r = driver("", "attach_nic", "one-21", "02:00:0a:00:15:05", "sriov_ib0", "-", "sriov_partition",
        "one-21-5", "21", "node01");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).startsWith("ERROR MESSAGE --8<------\nattach_nic of 02:00:0a:00:15:05 to one-21 failed: ");
    assertThat(leases()).isEmpty();
    assertThat(Files.readString(w.host.tree().path(guidFile)).strip()).isEqualTo(guidBefore);
  }

  @Test
  void attachNicRefusesABridgeThatIsAPath() {
    CliRun r = driver("", "attach_nic", "one-22", "02:00:0a:00:16:05", "sriov_../etc", "-", "sriov_partition",
        "one-22-5", "22", "node01");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("attach_nic: bridge 'sriov_../etc': PF name '../etc' is not a valid interface name");
  }

  @Test
  void detachOfAnOrdinaryNicRunsTheStockScript() throws Exception {
    echoingStockScript("detach_nic");
    assertThat(driver(deployment(23, "sriov_enp3s0f0", "br0"), "deploy", deployFile(23).toString(), "node01", "23",
        "node01").exitCode()).isZero();
    CliRun r = driver("", "detach_nic", "one-23", "02:00:0a:00:17:01", "23", "node01");
    assertThat(r.err()).isEmpty();
    assertThat(r.out()).isEqualTo("stock detach_nic one-23 02:00:0a:00:17:01 23 node01\n");
    assertThat(leases()).hasSize(1);
  }

  @Test
  void migrateOfAVmWithoutVfsRunsTheStockScript() throws Exception {
    echoingStockScript("migrate");
    CliRun plain = driver("", "migrate", "one-32", "node02", "node01", "32", "node01");
    assertThat(plain.exitCode()).isZero();
    assertThat(plain.out()).isEqualTo("stock migrate one-32 node02 node01 32 node01\n");
  }

  /** A stand-in for OpenNebula's stock kvm ACTION script that prints "stock ACTION" and its argv. */
  private void echoingStockScript(String action) throws Exception {
    Path script = Files.createDirectories(dir.resolve("stock")).resolve(action);
    Files.writeString(script, "#!/bin/sh\necho \"stock " + action + " $*\"\n");
    assertThat(script.toFile().setExecutable(true)).isTrue();
  }

  static String vfList(List<PciAddress> vfs) {
    return vfs.stream().map(Object::toString).collect(Collectors.joining(", "));
  }
}
