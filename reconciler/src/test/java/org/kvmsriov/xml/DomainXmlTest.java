package org.kvmsriov.xml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvmsriov.config.InvalidInputException;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.port.PciHostdev;

/** tldr: domain XML is read with a hardened DOM parser; hostdevs come out typed. */
class DomainXmlTest {

  static final String DOMAIN = """
      <domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
        <name>one-42</name>
        <uuid>8f3c2a4e-0d6b-4c57-9a0e-4a1f3e2b7c11</uuid>
        <devices>
          <hostdev mode='subsystem' type='pci' managed='yes'>
            <source><address domain='0x0000' bus='0x07' slot='0x00' function='0x1'/></source>
            <alias name='hostdev0'/>
            <address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/>
          </hostdev>
          <hostdev mode='subsystem' type='usb'>
            <source><vendor id='0x1234'/><product id='0xbeef'/></source>
          </hostdev>
          <interface type='hostdev' managed='yes'>
            <mac address='02:00:0A:00:00:05'/>
            <source><address type='pci' domain='0x0000' bus='0x82' slot='0x10' function='0x3'/></source>
          </interface>
          <interface type='bridge'><mac address='02:00:0a:00:00:06'/><source bridge='br0'/></interface>
        </devices>
        <qemu:commandline><qemu:arg value='-cpu'/></qemu:commandline>
        <description><![CDATA[a <raw> & unescaped note]]></description>
      </domain>
      """;

  @Test
  void readsPciHostdevsAndHostdevInterfacesInDocumentOrder() {
    DomainXml xml = DomainXml.parse(DOMAIN);

    assertThat(xml.name()).contains("one-42");
    assertThat(xml.uuid()).contains(UUID.fromString("8f3c2a4e-0d6b-4c57-9a0e-4a1f3e2b7c11"));
    assertThat(xml.pciHostdevs()).containsExactly(
        new PciHostdev(PciAddress.parse("0000:07:00.1"), Optional.of(PciAddress.parse("0000:00:05.0")),
            false, Optional.of("hostdev0")),
        new PciHostdev(PciAddress.parse("0000:82:10.3"), Optional.empty(), true, Optional.empty()));
  }

  @Test
  void findsADeviceByAliasBySourceAddressOrByMac() {
    DomainXml xml = DomainXml.parse(DOMAIN);

    assertThat(xml.find(DomainXml.parse("<hostdev mode='subsystem' type='pci'><alias name='hostdev0'/></hostdev>")
        .root())).map(DomainXml::describe).contains("<hostdev> hostdev0");
    assertThat(xml.find(DomainXml.parse("<hostdev mode='subsystem' type='pci'><source>"
        + "<address domain='0' bus='7' slot='0' function='1'/></source></hostdev>").root())).isPresent();
    assertThat(xml.find(DomainXml.parse("<interface type='bridge'><mac address='02:00:0A:00:00:06'/></interface>")
        .root())).map(e -> e.getAttribute("type")).contains("bridge");
    assertThat(xml.find(DomainXml.parse("<interface type='bridge'><mac address='02:00:0a:00:00:99'/></interface>")
        .root())).isEmpty();
  }

  @Test
  void serialisingKeepsTheQemuNamespaceAndCdata() {
    String out = DomainXml.parse(DOMAIN).serialize();

    assertThat(out).contains("xmlns:qemu=\"http://libvirt.org/schemas/domain/qemu/1.0\"")
        .contains("<qemu:commandline><qemu:arg value=\"-cpu\"/></qemu:commandline>")
        .contains("<![CDATA[a <raw> & unescaped note]]>");
    assertThat(DomainXml.parse(out).pciHostdevs()).hasSize(2);
  }

  @Test
  void refusesADoctypeWithAnExternalEntityWithoutReadingIt(@TempDir Path dir) throws Exception {
    Path secret = Files.writeString(dir.resolve("secret"), "TOP-SECRET");
    String xxe = "<?xml version='1.0'?>\n<!DOCTYPE domain [<!ENTITY x SYSTEM '" + secret.toUri() + "'>]>\n"
        + "<domain><name>&x;</name></domain>";

    assertThatThrownBy(() -> DomainXml.parse(xxe))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("domain XML declares a DOCTYPE; refused (entities could read local files)")
        .hasMessageNotContaining("TOP-SECRET");
  }

  @Test
  void refusesAnInternalEntityBomb() {
    String bomb = "<!DOCTYPE d [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'>]><d>&b;</d>";

    assertThatThrownBy(() -> DomainXml.parse(bomb))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("declares a DOCTYPE");
  }

  @Test
  void refusesMalformedXmlWithItsPosition() {
    assertThatThrownBy(() -> DomainXml.parse("<domain>\n<name>x</domain>"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageStartingWith("domain XML is not well-formed XML (line 2, column");
  }

  @Test
  void refusesAHostdevWithoutOrWithABadSourceAddress() {
    assertThatThrownBy(() -> DomainXml.parse(
        "<domain><devices><hostdev mode='subsystem' type='pci'/></devices></domain>").pciHostdevs())
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("domain XML: <hostdev> has no <source><address …/> PCI address");
    assertThatThrownBy(() -> DomainXml.parse("<domain><devices><hostdev mode='subsystem' type='pci'><source>"
        + "<address domain='0x0000' bus='0x07' slot='0x20' function='0x1'/></source></hostdev></devices></domain>")
        .pciHostdevs())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("PCI slot 32 is out of range 0..31");
  }
}
