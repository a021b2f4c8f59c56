package org.kvmsriov.remotes;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.xml.parsers.DocumentBuilderFactory;
import org.kvmsriov.model.PciAddress;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.InputSource;

/**
 * The domain XML deploy wrote back to the deployment path, read the way libvirt reads it (an
 * independent DOM parse, not kvm-sriov's own classes): its VF devices and its interfaces.
 */
final class WrittenDomain {

  /**
   * A VF passed through: {@code <hostdev mode='subsystem' type='pci' managed='yes'>} or, in
   * ethernet mode, {@code <interface type='hostdev' managed='yes'>}.
   *
   * @param viaInterface true for the interface form
   * @param vf the full PCI address (domain, bus, slot and function all present)
   * @param alias {@code <alias name>}
   * @param mac the interface form's MAC
   * @param vlan the interface form's {@code <vlan><tag id>}
   */
  record VfDevice(boolean viaInterface, PciAddress vf, String alias, Optional<String> mac, Optional<Integer> vlan) {}

  /**
   * An ordinary {@code <interface>} (not a hostdev one).
   *
   * @param bridge source bridge
   * @param mac MAC
   * @param target target dev, empty when none
   * @param openvswitch whether it carries {@code <virtualport type='openvswitch'/>}
   */
  record Iface(String bridge, String mac, String target, boolean openvswitch) {}

  private final Element domain;

  private WrittenDomain(Element domain) {
    this.domain = domain;
  }

  static WrittenDomain parse(String xml) {
    try {
      DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
      f.setNamespaceAware(true);
      f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      Document doc = f.newDocumentBuilder().parse(new InputSource(new StringReader(xml)));
      return new WrittenDomain(doc.getDocumentElement());
    } catch (Exception e) {
      throw new AssertionError("the written domain XML is not well-formed: " + e.getMessage() + "\n" + xml, e);
    }
  }

  Element root() {
    return domain;
  }

  String text(String child) {
    Element e = child(domain, child);
    return e == null ? "" : e.getTextContent().strip();
  }

  List<VfDevice> vfDevices() {
    List<VfDevice> out = new ArrayList<>();
    for (Element dev : children(child(domain, "devices"))) {
      boolean hostdev = dev.getLocalName().equals("hostdev") && dev.getAttribute("mode").equals("subsystem")
          && dev.getAttribute("type").equals("pci") && dev.getAttribute("managed").equals("yes");
      boolean iface = dev.getLocalName().equals("interface") && dev.getAttribute("type").equals("hostdev")
          && dev.getAttribute("managed").equals("yes");
      if (!hostdev && !iface) {
        continue;
      }
      Element a = child(child(dev, "source"), "address");
      if (a == null || iface && !a.getAttribute("type").equals("pci")) {
        throw new AssertionError("VF device without a PCI source address: " + dev.getTextContent());
      }
      PciAddress vf = new PciAddress(hex(a, "domain"), hex(a, "bus"), hex(a, "slot"), hex(a, "function"));
      Element alias = child(dev, "alias");
      Element mac = child(dev, "mac");
      Element tag = child(child(dev, "vlan"), "tag");
      out.add(new VfDevice(iface, vf, alias == null ? "" : alias.getAttribute("name"),
          Optional.ofNullable(mac).map(m -> m.getAttribute("address")),
          Optional.ofNullable(tag).map(t -> Integer.parseInt(t.getAttribute("id")))));
    }
    return out;
  }

  List<Iface> interfaces() {
    List<Iface> out = new ArrayList<>();
    for (Element dev : children(child(domain, "devices"))) {
      if (!dev.getLocalName().equals("interface") || dev.getAttribute("type").equals("hostdev")) {
        continue;
      }
      Element vp = child(dev, "virtualport");
      Element target = child(dev, "target");
      out.add(new Iface(child(dev, "source").getAttribute("bridge"), child(dev, "mac").getAttribute("address"),
          target == null ? "" : target.getAttribute("dev"), vp != null && vp.getAttribute("type").equals("openvswitch")));
    }
    return out;
  }

  /** MAC -> {@code queues} of each interface's {@code <driver name='vhost'>} (7.0 writes one per virtio NIC). */
  java.util.Map<String, String> vhostQueues() {
    java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
    for (Element dev : children(child(domain, "devices"))) {
      Element driver = child(dev, "driver");
      if (dev.getLocalName().equals("interface") && driver != null && driver.getAttribute("name").equals("vhost")) {
        out.put(child(dev, "mac").getAttribute("address"), driver.getAttribute("queues"));
      }
    }
    return out;
  }

  /** {@code 0x…} as libvirt writes PCI address parts; all four must be there. */
  private static int hex(Element address, String attr) {
    String v = address.getAttribute(attr);
    if (!v.matches("0x[0-9a-fA-F]+")) {
      throw new AssertionError("PCI address attribute " + attr + "='" + v + "' is not 0x-hex");
    }
    return Integer.parseInt(v.substring(2), 16);
  }

  static Element child(Element parent, String localName) {
    if (parent == null) {
      return null;
    }
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && localName.equals(e.getLocalName())) {
        return e;
      }
    }
    return null;
  }

  private static List<Element> children(Element parent) {
    List<Element> out = new ArrayList<>();
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e) {
        out.add(e);
      }
    }
    return out;
  }
}
