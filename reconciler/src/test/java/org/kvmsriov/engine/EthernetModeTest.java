package org.kvmsriov.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.kvmsriov.model.MacAddress;
import org.kvmsriov.port.DomainInfo;
import org.kvmsriov.port.LeaseState;
import org.kvmsriov.port.PciHostdev;
import org.kvmsriov.testsupport.CliRun;
import org.kvmsriov.testsupport.VnmTemplate;

/**
 * Ethernet mode through the driver: the 82599 of the standard sysfs host as an {@code ethernet}
 * PF. libvirt gets an {@code <interface type='hostdev'>} carrying the NIC's own MAC and VLAN (it
 * sets both on the VF), no dummy NIC; the VLAN comes from 6.x's {@code vm.xml} beside the
 * deployment file or from the template the network driver's pre stored. Runs against libvirt's
 * test driver (with hot-plug added for save and restore, see SaveRestoreTest).
 */
class EthernetModeTest extends DriverWorldTest {

  static final String HOST = """
      pfs:
        enp3s0f0:
          mode: ethernet
          discover: true
      """;
  static final String HOSTDEV_INTERFACE = "<interface managed=\"yes\" type=\"hostdev\">\\s*"
      + "<mac address=\"%s\"/>\\s*<source>\\s*<address bus=\"0x03\" domain=\"0x0000\" function=\"0x%d\" slot=\"0x10\""
      + " type=\"pci\"/>\\s*</source>\\s*";

  @Override
  String hostYaml() {
    return HOST;
  }

  static String mac(int vmId, int nic) {
    return String.format("02:00:0a:00:%02x:%02x", vmId, nic);
  }

  /** 6.x writes the VM's {@code <VM>} document as vm.xml beside the deployment file before deploy. */
  void vmXml(int vmId, String vlan) throws Exception {
    Files.createDirectories(w.vmDir(vmId));
    Files.writeString(w.vmDir(vmId).resolve("vm.xml"),
        VnmTemplate.vm(vmId).nic(0, "sriov_enp3s0f0", mac(vmId, 0), vlan).nic(1, "br0", mac(vmId, 1), null, "fw", false)
            .xml());
  }

  @Test
  void deployGivesAHostdevInterfaceWithTheNicsMacAndVlanAndCancelFreesIt() throws Exception {
    vmXml(70, "20");
    CliRun r = w.deploy(70, DriverCommandTest.deployment(70, "sriov_enp3s0f0", "br0"));
    assertThat(r.err()).isEmpty();
    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).isEqualTo("one-70\n");

    String written = Files.readString(w.vmDir(70).resolve("deployment.0"));
    assertThat(written).containsPattern(HOSTDEV_INTERFACE.formatted(mac(70, 0), 0)
        + "<vlan>\\s*<tag id=\"20\"/>\\s*</vlan>\\s*<alias name=\"ua-sriov-0\"/>\\s*</interface>");
    assertThat(written).as("no dummy NIC in ethernet mode").doesNotContain("sriov_dummy", "aa:00:")
        .contains("<source bridge=\"br0\"/>").doesNotContain("sriov_enp3s0f0");
    DomainInfo d = w.domain("one-70").orElseThrow();
    assertThat(d.hostdevs()).singleElement().satisfies(h -> {
      assertThat(h.source()).isEqualTo(w.host.nic().vfs().get(0));
      assertThat(h.viaInterface()).isTrue();
      assertThat(h.vlan()).isEqualTo(OptionalInt.of(20));
    });
    assertThat(w.leases()).singleElement().satisfies(l -> {
      assertThat(l.state()).isEqualTo(LeaseState.ATTACHED);
      assertThat(l.domain()).contains("one-70");
      assertThat(l.mac()).contains(MacAddress.parse(mac(70, 0)));
      assertThat(l.guid()).isEmpty();
    });

    CliRun cancel = w.driver("", "cancel", d.uuid().toString(), "node01", "70", "node01");
    assertThat(cancel.exitCode()).as(cancel.err()).isZero();
    assertThat(w.domain("one-70")).isEmpty();
    assertThat(w.leases()).isEmpty();
  }

  @Test
  void theVlanComesFromTheTemplatePreStoredAndNoVlanMeansUntagged() throws Exception {
    // 5.4-5.8: the template is pre's first argument, and there is no vm.xml
    String b64 = VnmTemplate.vm(71).nic(0, "sriov_enp3s0f0", mac(71, 0), "30").base64();
    CliRun pre = w.vnm("", "pre", b64);
    assertThat(pre.exitCode()).as(pre.err()).isZero();
    assertThat(w.deploy(71, DriverCommandTest.deployment(71, "sriov_enp3s0f0")).exitCode()).isZero();
    assertThat(Files.readString(w.vmDir(71).resolve("deployment.0")))
        .containsPattern(HOSTDEV_INTERFACE.formatted(mac(71, 0), 0) + "<vlan>\\s*<tag id=\"30\"/>");

    assertThat(w.deploy(72, DriverCommandTest.deployment(72, "sriov_enp3s0f0")).exitCode()).isZero();
    assertThat(Files.readString(w.vmDir(72).resolve("deployment.0")))
        .containsPattern(HOSTDEV_INTERFACE.formatted(mac(72, 0), 2) + "<alias name=\"ua-sriov-0\"/>")
        .doesNotContain("<vlan>");
    assertThat(w.leases()).hasSize(2);
    assertThat(w.driver("", "shutdown", "one-72", "node01", "72", "node01").exitCode()).isZero();
    assertThat(w.leases()).singleElement().satisfies(l -> assertThat(l.domain()).contains("one-71"));
  }

  @Test
  void aVlanIdNoEthernetVlanCanBeIsRefusedLeasingNothing() throws Exception {
    vmXml(74, "5000");
    CliRun r = w.deploy(74, DriverCommandTest.deployment(74, "sriov_enp3s0f0"));
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("VLAN_ID '5000' is not an Ethernet VLAN (1-4094)");
    assertThat(w.leases()).isEmpty();
    assertThat(w.domain("one-74")).isEmpty();
  }

  @Test
  void saveAndRestoreDetachAndReattachTheInterfaceWithItsVlan() throws Exception {
    vmXml(73, "20");
    assertThat(w.deploy(73, DriverCommandTest.deployment(73, "sriov_enp3s0f0")).exitCode()).isZero();
    Path checkpoint = w.vmDir(73).resolve("checkpoint");

    CliRun save = w.driver("", "save", "one-73", checkpoint.toString(), "node01", "73", "node01");
    assertThat(save.err()).isEmpty();
    assertThat(save.exitCode()).isZero();
    assertThat(w.devices.calls()).singleElement().asString().startsWith("detach one-73 <interface")
        .contains("type=\"hostdev\"", "ua-sriov-0");
    assertThat(w.leases()).isEmpty();
    assertThat(w.parked()).singleElement().satisfies(p -> {
      assertThat(p.position()).isZero();
      assertThat(p.mac()).isEqualTo(MacAddress.parse(mac(73, 0)));
    });

    CliRun restore = w.driver("", "restore", checkpoint.toString(), "node01", "one-73", "73", "node01");
    assertThat(restore.err()).isEmpty();
    assertThat(restore.exitCode()).isZero();
    assertThat(w.devices.calls()).hasSize(2).last().asString().startsWith("attach one-73 ")
        .containsPattern(HOSTDEV_INTERFACE.formatted(mac(73, 0), 0)
            + "<vlan>\\s*<tag id=\"20\"/>\\s*</vlan>\\s*<alias name=\"ua-sriov-0\"/>");
    assertThat(w.domain("one-73").orElseThrow().hostdevs()).singleElement().satisfies(h -> {
      assertThat(h.source()).isEqualTo(w.host.nic().vfs().get(0));
      assertThat(h.vlan()).isEqualTo(OptionalInt.of(20));
      assertThat(h.alias()).isEqualTo(Optional.of("ua-sriov-0"));
    });
    assertThat(w.leases()).singleElement().satisfies(l -> assertThat(l.state()).isEqualTo(LeaseState.ATTACHED));
    assertThat(w.parked()).isEmpty();
  }

  @Test
  void aRefusedSaveAttachesTheInterfaceAgainOnItsVlan() throws Exception {
    vmXml(75, "20");
    assertThat(w.deploy(75, DriverCommandTest.deployment(75, "sriov_enp3s0f0")).exitCode()).isZero();
    CliRun save = w.driver("", "save", "one-75", dir.resolve("missing/checkpoint").toString(), "node01", "75",
        "node01");
    assertThat(save.exitCode()).isEqualTo(1);
    assertThat(w.domain("one-75").orElseThrow().hostdevs()).extracting(PciHostdev::vlan)
        .containsExactly(OptionalInt.of(20));
    assertThat(w.leases()).singleElement().satisfies(l -> assertThat(l.state()).isEqualTo(LeaseState.ATTACHED));
  }

  @Test
  void aVfDetachedBehindOurBackComesBackFromOnePassOnItsVlan() throws Exception {
    vmXml(76, "42");
    assertThat(w.deploy(76, DriverCommandTest.deployment(76, "sriov_enp3s0f0")).exitCode()).isZero();
    assertThat(w.leases()).singleElement().satisfies(l -> {
      assertThat(l.segment()).contains(new org.kvmsriov.model.Segment.Vlan(42));
      assertThat(l.alias()).contains("ua-sriov-0");
    });
    // an operator's virsh detach-device: the domain runs without its VF
    try (var h = w.devices.connector().connect("test:///default")) {
      h.detachDevice("one-76", "<interface type='hostdev'><alias name='ua-sriov-0'/></interface>",
          java.time.Duration.ofSeconds(5));
    }
    assertThat(w.domain("one-76").orElseThrow().hostdevs()).isEmpty();

    CliRun pass = w.reconcile("--once");
    assertThat(pass.exitCode()).as(pass.out() + pass.err()).isZero();
    assertThat(pass.out()).contains("re-attach enp3s0f0 VF 0 (" + w.host.nic().vfs().get(0) + ") to one-76");
    assertThat(w.devices.calls()).last().asString().startsWith("attach one-76 ")
        .containsPattern(HOSTDEV_INTERFACE.formatted(mac(76, 0), 0)
            + "<vlan>\\s*<tag id=\"42\"/>\\s*</vlan>\\s*<alias name=\"ua-sriov-0\"/>");
    assertThat(w.domain("one-76").orElseThrow().hostdevs()).singleElement()
        .satisfies(hd -> assertThat(hd.vlan()).isEqualTo(OptionalInt.of(42)));

    CliRun list = w.leasesList("--json");
    assertThat(list.out()).contains("\"segment\" : \"vlan 42\"");
  }
}
