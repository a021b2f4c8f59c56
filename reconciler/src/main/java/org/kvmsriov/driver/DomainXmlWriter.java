package org.kvmsriov.driver;

import java.util.List;
import org.kvmsriov.model.HostState;
import org.kvmsriov.model.Mode;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.SriovIdentity;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * Turns a deployment file's SR-IOV NICs into VF devices, in place, keeping everything else as
 * OpenNebula wrote it. Pure: no lease, no libvirt, no sysfs.
 *
 * <ul>
 *   <li>every mode: the {@code <interface>} becomes a {@code <hostdev mode='subsystem'
 *       type='pci' managed='yes'>} with the VF's full PCI address and the alias {@code
 *       ua-sriov-<position>} (so the VF can be found and re-attached later);
 *   <li>ethernet: instead an {@code <interface type='hostdev' managed='yes'>} carrying the
 *       NIC's MAC and VLAN, which libvirt programs into the VF;
 *   <li>generic: a dummy NIC on the dummy bridge, at the end of {@code <devices>}, whose MAC
 *       carries the NIC's identity ({@link SriovIdentity#dummyMac()}).
 * </ul>
 *
 * <p>libvirt assigns guest PCI slots to hostdevs in document order, and the VF devices stand
 * in NIC order, so the guest enumerates the VFs in position order, which the guest hook relies
 * on in generic mode.
 */
public final class DomainXmlWriter {

  private DomainXmlWriter() {}

  /** Rewrites {@code file}'s SR-IOV NICs per {@code bindings}; returns the new XML. */
  public static String write(DeploymentFile file, List<VfBinding> bindings, HostState.DriverSettings driver) {
    Document doc = file.document();
    for (VfBinding b : bindings) {
      replace(doc, b);
    }
    for (VfBinding b : bindings) {
      if (b.mode() instanceof Mode.Generic) {
        appendDummy(doc, file.devices(), b, driver);
      }
    }
    return file.toXml();
  }

  private static void replace(Document doc, VfBinding b) {
    Element old = b.nic().element();
    String indent = indentOf(old);
    Element dev;
    if (b.mode() instanceof Mode.Ethernet) {
      dev = doc.createElement("interface");
      dev.setAttribute("type", "hostdev");
      dev.setAttribute("managed", "yes");
      Element mac = doc.createElement("mac");
      mac.setAttribute("address", b.nic().mac().toString());
      Element source = doc.createElement("source");
      source.appendChild(pciAddress(doc, b.vf(), true));
      add(doc, dev, indent + "\t", mac, source);
      b.vlanId().ifPresent(id -> {
        Element vlan = doc.createElement("vlan");
        Element tag = doc.createElement("tag");
        tag.setAttribute("id", Integer.toString(id));
        vlan.appendChild(tag);
        add(doc, dev, indent + "\t", vlan);
      });
    } else {
      dev = doc.createElement("hostdev");
      dev.setAttribute("mode", "subsystem");
      dev.setAttribute("type", "pci");
      dev.setAttribute("managed", "yes");
      Element source = doc.createElement("source");
      source.appendChild(pciAddress(doc, b.vf(), false));
      add(doc, dev, indent + "\t", source);
    }
    Element alias = doc.createElement("alias");
    alias.setAttribute("name", b.nic().alias());
    add(doc, dev, indent + "\t", alias);
    dev.appendChild(doc.createTextNode("\n" + indent));
    old.getParentNode().replaceChild(dev, old);
  }

  private static void appendDummy(Document doc, Element devices, VfBinding b, HostState.DriverSettings d) {
    String indent = "\t\t";
    Element iface = doc.createElement("interface");
    iface.setAttribute("type", "bridge");
    Element source = doc.createElement("source");
    source.setAttribute("bridge", d.dummyBridge());
    add(doc, iface, indent + "\t", source);
    if (d.dummyBridgeOvs()) {
      Element vp = doc.createElement("virtualport");
      vp.setAttribute("type", "openvswitch");
      add(doc, iface, indent + "\t", vp);
    }
    Element mac = doc.createElement("mac");
    mac.setAttribute("address",
        new SriovIdentity(d.macPrefix(), b.nic().position(), b.nic().mac()).dummyMac().toString());
    Element model = doc.createElement("model");
    model.setAttribute("type", "virtio");
    add(doc, iface, indent + "\t", mac, model);
    iface.appendChild(doc.createTextNode("\n" + indent));
    // Before the whitespace that precedes </devices>, so the closing tag keeps its indentation.
    Node last = devices.getLastChild();
    Node before = last != null && last.getNodeType() == Node.TEXT_NODE && last.getTextContent().isBlank()
        ? last : null;
    devices.insertBefore(doc.createTextNode("\n" + indent), before);
    devices.insertBefore(iface, before);
  }

  /** The generic-mode dummy NIC for the {@code position}-th SR-IOV NIC, to hot-plug. */
  public static String dummyXml(HostState.DriverSettings d, int position, org.kvmsriov.model.MacAddress nicMac) {
    Document doc = org.kvmsriov.xml.SafeXml.parse("<devices/>", "device");
    Element iface = doc.createElement("interface");
    iface.setAttribute("type", "bridge");
    Element source = doc.createElement("source");
    source.setAttribute("bridge", d.dummyBridge());
    iface.appendChild(source);
    if (d.dummyBridgeOvs()) {
      Element vp = doc.createElement("virtualport");
      vp.setAttribute("type", "openvswitch");
      iface.appendChild(vp);
    }
    Element mac = doc.createElement("mac");
    mac.setAttribute("address", new SriovIdentity(d.macPrefix(), position, nicMac).dummyMac().toString());
    iface.appendChild(mac);
    Element model = doc.createElement("model");
    model.setAttribute("type", "virtio");
    iface.appendChild(model);
    doc.replaceChild(iface, doc.getDocumentElement());
    return org.kvmsriov.xml.SafeXml.serialize(doc);
  }

  /** A VF device to hot-plug: the same element deploy writes, as a standalone document. */
  public static String deviceXml(PciAddress vf, String alias, org.kvmsriov.model.Mode mode,
      java.util.Optional<org.kvmsriov.model.MacAddress> mac) {
    Document doc = org.kvmsriov.xml.SafeXml.parse("<devices/>", "device");
    Element dev;
    if (mode instanceof Mode.Ethernet) {
      dev = doc.createElement("interface");
      dev.setAttribute("type", "hostdev");
      dev.setAttribute("managed", "yes");
      mac.ifPresent(m -> {
        Element macEl = doc.createElement("mac");
        macEl.setAttribute("address", m.toString());
        dev.appendChild(macEl);
      });
      Element source = doc.createElement("source");
      source.appendChild(pciAddress(doc, vf, true));
      dev.appendChild(source);
    } else {
      dev = doc.createElement("hostdev");
      dev.setAttribute("mode", "subsystem");
      dev.setAttribute("type", "pci");
      dev.setAttribute("managed", "yes");
      Element source = doc.createElement("source");
      source.appendChild(pciAddress(doc, vf, false));
      dev.appendChild(source);
    }
    Element a = doc.createElement("alias");
    a.setAttribute("name", alias);
    dev.appendChild(a);
    doc.replaceChild(dev, doc.getDocumentElement());
    return org.kvmsriov.xml.SafeXml.serialize(doc);
  }

  private static Element pciAddress(Document doc, PciAddress a, boolean typed) {
    Element e = doc.createElement("address");
    if (typed) {
      e.setAttribute("type", "pci");
    }
    e.setAttribute("domain", String.format("0x%04x", a.domain()));
    e.setAttribute("bus", String.format("0x%02x", a.bus()));
    e.setAttribute("slot", String.format("0x%02x", a.slot()));
    e.setAttribute("function", String.format("0x%x", a.function()));
    return e;
  }

  private static void add(Document doc, Element parent, String indent, Element... kids) {
    for (Element k : kids) {
      parent.appendChild(doc.createTextNode("\n" + indent));
      parent.appendChild(k);
    }
  }

  /** The whitespace before {@code e} on its line, so new elements line up with OpenNebula's tabs. */
  private static String indentOf(Element e) {
    Node prev = e.getPreviousSibling();
    if (prev != null && prev.getNodeType() == Node.TEXT_NODE) {
      String t = prev.getTextContent();
      int nl = t.lastIndexOf('\n');
      String tail = nl >= 0 ? t.substring(nl + 1) : t;
      if (tail.isBlank()) {
        return tail;
      }
    }
    return "\t\t";
  }
}
