package org.kvmsriov.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.port.DomainInfo;
import org.kvmsriov.testsupport.CliRun;
import org.kvmsriov.testsupport.TreeSnapshot;

/**
 * A deployment file is bounded and cannot reach a VF around the ledger: each refusal exits 2 and
 * leaves the ledger, sysfs and the VM's deployment directory as they were, with no domain.
 */
class DeploymentRefusalTest extends DriverWorldTest {

  @Override
  String hostYaml() {
    return DriverCommandTest.HOST_YAML;
  }

  /** Deploys {@code xml} as VM {@code vmId}, OpenNebula having written it to the deployment file first. */
  CliRun refused(int vmId, String xml) throws Exception {
    Path file = w.vmDir(vmId).resolve("deployment.0");
    Files.createDirectories(file.getParent());
    Files.writeString(file, xml);
    List<Map<String, String>> before = List.of(TreeSnapshot.of(w.ledgerDir), TreeSnapshot.of(w.host.tree().root()),
        TreeSnapshot.of(w.vmDir(vmId)));
    CliRun r = w.deploy(vmId, xml);
    assertThat(r.exitCode()).as(r.err()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).startsWith("ERROR MESSAGE --8<------\n").endsWith("ERROR MESSAGE ------>8--\n");
    assertThat(List.of(TreeSnapshot.of(w.ledgerDir), TreeSnapshot.of(w.host.tree().root()),
        TreeSnapshot.of(w.vmDir(vmId)))).isEqualTo(before);
    assertThat(w.libvirt.domain("one-" + vmId).filter(DomainInfo::isActive)).isEmpty();
    return r;
  }

  static String hostdev(PciAddress a) {
    return String.format("<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x%04x'"
        + " bus='0x%02x' slot='0x%02x' function='0x%x'/></source></hostdev>", a.domain(), a.bus(), a.slot(),
        a.function());
  }

  @Test
  void aRawHostdevOfAMappedVfIsRefused() throws Exception {
    PciAddress listed = w.host.mlx4().vfs().get(1);
    PciAddress discovered = w.host.nic().vfs().get(0);
    // OpenNebula appends RAW data after the devices it writes: a second <devices> element
    String xml = DriverCommandTest.deployment(5, "sriov_ib0").replace("</domain>",
        "<devices>" + hostdev(listed) + hostdev(discovered) + "</devices></domain>");
    assertThat(refused(5, xml).err()).contains("deployment file refused: it already passes VF " + listed
        + " of ib0, VF " + discovered + " of enp3s0f0 through as a hostdev (a RAW section?); VFs of declared"
        + " PFs reach a VM only as a NIC on bridge sriov_<pf>, through the ledger\n");
  }

  @Test
  void aHostdevInterfaceOnAnUnmappedVfOfADeclaredPfIsRefused() throws Exception {
    PciAddress vf = w.host.mlx4().vfs().get(7); // ib0 maps only VFs 0 and 1: still ib0's VF
    String iface = hostdev(vf).replace("<hostdev mode='subsystem' type='pci' managed='yes'>",
        "<interface type='hostdev' managed='yes'>").replace("</hostdev>", "</interface>");
    String xml = DriverCommandTest.deployment(6, "br0").replace("\t</devices>", iface + "</devices>");
    assertThat(refused(6, xml).err()).contains("it already passes VF " + vf + " of ib0 through");
  }

  @Test
  void aStoredTemplateThatIsNoRegularFileIsRefusedUnread() throws Exception {
    Path fifo = Files.createDirectories(w.ledgerDir.resolve("templates")).resolve("10.xml");
    assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
    assertThat(refused(10, DriverCommandTest.deployment(10, "sriov_ib0")).err()).contains("VM template " + fifo
        + " is a device, FIFO or socket, not a regular file; refused before reading it\n");
  }

  @Test
  void twoNicsWithOneMacAreRefused() throws Exception {
    String xml = DriverCommandTest.deployment(7, "sriov_ib0", "br0").replace("02:00:0a:00:07:01", "02:00:0a:00:07:00");
    assertThat(refused(7, xml).err()).contains("deployment file refused: 2 NICs have MAC 02:00:0a:00:07:00\n");
  }

  @Test
  void aDeeplyNestedDocumentIsRefused() throws Exception {
    String xml = DriverCommandTest.deployment(8, "sriov_ib0").replace("</domain>",
        "<metadata>" + "<x>".repeat(200) + "</x>".repeat(200) + "</metadata></domain>");
    assertThat(refused(8, xml).err()).contains("deployment file is nested deeper than 100 elements; refused\n");
  }

  @Test
  void aDocumentNested100000DeepIsOneFramedLineWithNothingChanged() throws Exception {
    // the case: it used to overflow the stack after the VF was reserved and programmed
    String xml = DriverCommandTest.deployment(10, "sriov_ib0").replace("</domain>",
        "<metadata>" + "<x>".repeat(100_000) + "</x>".repeat(100_000) + "</metadata></domain>");
    CliRun r = refused(10, xml);
    assertThat(r.err().lines()).containsExactly("ERROR MESSAGE --8<------",
        "deployment file is nested deeper than 100 elements; refused", "ERROR MESSAGE ------>8--");
  }

  @Test
  void anOversizedDocumentIsRefused() throws Exception {
    String xml = DriverCommandTest.deployment(9, "sriov_ib0").replace("</domain>",
        "<description>" + "x".repeat(5 << 20) + "</description></domain>");
    assertThat(refused(9, xml).err()).contains("deployment file is larger than 4194304 characters\n");
  }
}
