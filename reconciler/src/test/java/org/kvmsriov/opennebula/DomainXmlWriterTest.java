package org.kvmsriov.opennebula;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.kvmsriov.config.HostStateLoader;
import org.kvmsriov.config.InvalidInputException;
import org.kvmsriov.model.HostState;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.xml.SafeXml;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The deployment file rewrite: SR-IOV NICs become VF devices, everything else stays. */
class DomainXmlWriterTest {

  static final String HOST = """
      version: 1
      driver: {dummy_bridge: br-dummy, mac_prefix: "aa"}
      pfs:
        ib0: {mode: generic, vfs: [07:00.1, 07:00.2, 07:00.3]}
        eth1: {mode: ethernet, vfs: [08:10.0, 08:10.2]}
      """;

  static String resource(String name) throws IOException {
    try (InputStream in = DomainXmlWriterTest.class.getResourceAsStream("/deployments/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  HostState host = HostStateLoader.parse("host.yaml", HOST);

  @Test
  void threeSriovNicsOnTwoPfsBecomeThreeDistinctVfsInValidXml() throws Exception {
    DeploymentFile file = DeploymentFile.parse(resource("one-6.x-three-sriov.xml"), host);
    assertThat(file.domainName()).isEqualTo("one-7");
    assertThat(file.sriovNics()).extracting(n -> n.pf().value() + "@" + n.position() + "=" + n.mac())
        .containsExactly("ib0@0=02:00:0a:00:00:0a", "ib0@1=02:00:0a:00:00:0c", "eth1@2=02:00:c0:a8:01:0d");
    List<VfBinding> bindings = new ArrayList<>();
    String[] vfs = {"0000:07:00.1", "0000:07:00.2", "0000:08:10.2"};
    for (SriovNic nic : file.sriovNics()) {
      bindings.add(new VfBinding(nic, PciAddress.parse(vfs[nic.position()]),
          host.pf(nic.pf()).orElseThrow().mode(), nic.position() == 2 ? OptionalInt.of(20) : OptionalInt.empty()));
    }
    String xml = DomainXmlWriter.write(file, bindings, host.driver());
    Document out = SafeXml.parse(xml, "result"); // well-formed, and no DOCTYPE crept in

    NodeList hostdevs = out.getElementsByTagName("hostdev");
    assertThat(hostdevs.getLength()).isEqualTo(2);
    assertThat(address((Element) hostdevs.item(0))).isEqualTo("0x0000:0x07:0x00.0x1");
    assertThat(address((Element) hostdevs.item(1))).isEqualTo("0x0000:0x07:0x00.0x2");
    assertThat(xml).contains("<alias name=\"ua-sriov-0\"/>", "<alias name=\"ua-sriov-1\"/>",
        "<alias name=\"ua-sriov-2\"/>");
    // ethernet: libvirt sets the VF's MAC and VLAN
    assertThat(xml).containsPattern("<interface managed=\"yes\" type=\"hostdev\">\\s*<mac address=\"02:00:c0:a8:01:0d\"/>"
        + "\\s*<source>\\s*<address bus=\"0x08\" domain=\"0x0000\" function=\"0x2\" slot=\"0x10\" type=\"pci\"/>"
        + "\\s*</source>\\s*<vlan>\\s*<tag id=\"20\"/>\\s*</vlan>");
    // generic: a dummy NIC per SR-IOV NIC, carrying prefix, position and the low 4 MAC octets
    assertThat(xml).contains("<mac address=\"aa:00:0a:00:00:0a\"/>", "<mac address=\"aa:01:0a:00:00:0c\"/>")
        .doesNotContain("aa:02:");
    assertThat(xml).contains("<source bridge=\"br-dummy\"/>");
    // everything else kept: the ordinary NIC, CDATA, the qemu namespace, metadata
    assertThat(xml).contains("<source bridge=\"br0\"/>", "<![CDATA[/usr/bin/qemu-kvm-one]]>",
        "<qemu:arg value=\"-no-hpet\"/>", "xmlns:qemu=\"http://libvirt.org/schemas/domain/qemu/1.0\"",
        "<one:name><![CDATA[hpc-node]]></one:name>");
    assertThat(xml).doesNotContain("sriov_ib0", "sriov_eth1", "one-7-0", "one-7-2", "one-7-3");
    assertThat(out.getElementsByTagName("interface").getLength()).isEqualTo(1 + 1 + 2);
  }

  private static String address(Element hostdev) {
    Element a = (Element) hostdev.getElementsByTagName("address").item(0);
    return a.getAttribute("domain") + ":" + a.getAttribute("bus") + ":" + a.getAttribute("slot") + "."
        + a.getAttribute("function");
  }

  @Test
  void keepsTheSampleFormattingOutsideTheRewrittenNic() throws Exception {
    String original = resource("one-5.4-sample.xml");
    DeploymentFile file = DeploymentFile.parse(original, HostStateLoader.parse("h", HOST));
    SriovNic nic = file.sriovNics().get(0);
    String xml = DomainXmlWriter.write(file,
        List.of(new VfBinding(nic, PciAddress.parse("07:00.3"), host.pf(nic.pf()).orElseThrow().mode(),
            OptionalInt.empty())), host.driver());
    assertThat(xml).contains("\t<vcpu><![CDATA[2]]></vcpu>\n")
        .contains("\t\t<hostdev managed=\"yes\" mode=\"subsystem\" type=\"pci\">\n\t\t\t<source>")
        .contains("\t\t<interface type=\"bridge\">\n\t\t\t<source bridge=\"br0\"/>")
        .endsWith("</domain>");
  }

  @Test
  void refusesADoctype() {
    String evil = "<?xml version='1.0'?><!DOCTYPE d [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
        + "<domain><name>&x;</name></domain>";
    assertThatThrownBy(() -> DeploymentFile.parse(evil, host))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("declares a DOCTYPE; refused");
  }

  @Test
  void refusesABridgeThatIsAPath() throws Exception {
    String xml = resource("one-5.4-sample.xml").replace("sriov_ib0", "sriov_../../x");
    assertThatThrownBy(() -> DeploymentFile.parse(xml, host)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("NIC on bridge 'sriov_../../x': PF name '../../x' is not a valid interface name");
  }

  @Test
  void refusesAnUndeclaredPf() throws Exception {
    String xml = resource("one-5.4-sample.xml").replace("sriov_ib0", "sriov_ib7");
    assertThatThrownBy(() -> DeploymentFile.parse(xml, host))
        .hasMessageContaining("PF 'ib7' is not declared in host.yaml");
  }

  @Test
  void refusesMalformedXml() {
    assertThatThrownBy(() -> DeploymentFile.parse("<domain><name>x</domain>", host))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("not well-formed XML");
  }
}
