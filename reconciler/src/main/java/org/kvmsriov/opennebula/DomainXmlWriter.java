package org.kvmsriov.opennebula;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.kvmsriov.model.HostState;
import org.kvmsriov.model.MacAddress;
import org.kvmsriov.model.Mode;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.SriovIdentity;
import org.kvmsriov.xml.SafeXml;
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
    Element dev = vfElement(doc, b.vf(), b.nic().alias(), b.mode(), Optional.of(b.nic().mac()), b.vlanId());
    layOut(doc, dev, indent);
    old.getParentNode().replaceChild(dev, old);
  }

  private static void appendDummy(Document doc, Element devices, VfBinding b, HostState.DriverSettings d) {
    String indent = "\t\t";
    Element iface = dummyElement(doc, d, new SriovIdentity(d.macPrefix(), b.nic().position(), b.nic().mac()).dummyMac());
    layOut(doc, iface, indent);
    // Before the whitespace that precedes </devices>, so the closing tag keeps its indentation.
    Node last = devices.getLastChild();
    Node before = last != null && last.getNodeType() == Node.TEXT_NODE && last.getTextContent().isBlank()
        ? last : null;
    devices.insertBefore(doc.createTextNode("\n" + indent), before);
    devices.insertBefore(iface, before);
  }

  /** The generic-mode dummy NIC whose MAC is {@code dummyMac}, to hot-plug or detach. */
  public static String dummyXml(HostState.DriverSettings d, MacAddress dummyMac) {
    Document doc = SafeXml.parse("<devices/>", "device");
    doc.replaceChild(dummyElement(doc, d, dummyMac), doc.getDocumentElement());
    return SafeXml.serialize(doc);
  }

  /**
   * A VF device to hot-plug or detach: the same element deploy writes, as a standalone document.
   *
   * @param mac ethernet mode: the NIC's MAC, which libvirt sets on the VF
   * @param vlan ethernet mode: the NIC's VLAN, which libvirt sets on the VF (empty: untagged)
   */
  public static String deviceXml(PciAddress vf, String alias, Mode mode, Optional<MacAddress> mac, OptionalInt vlan) {
    Document doc = SafeXml.parse("<devices/>", "device");
    doc.replaceChild(vfElement(doc, vf, alias, mode, mac, vlan), doc.getDocumentElement());
    return SafeXml.serialize(doc);
  }

  /**
   * A {@code <hostdev>} for the VF, or in ethernet mode an {@code <interface type='hostdev'>}
   * with the NIC's MAC and VLAN; the alias names it for later detach and re-attach.
   */
  private static Element vfElement(Document doc, PciAddress vf, String alias, Mode mode, Optional<MacAddress> mac,
      OptionalInt vlan) {
    Element dev;
    Element source = doc.createElement("source");
    if (mode instanceof Mode.Ethernet) {
      dev = doc.createElement("interface");
      dev.setAttribute("type", "hostdev");
      dev.setAttribute("managed", "yes");
      mac.ifPresent(m -> {
        Element macEl = doc.createElement("mac");
        macEl.setAttribute("address", m.toString());
        dev.appendChild(macEl);
      });
      source.appendChild(pciAddress(doc, vf, true));
      dev.appendChild(source);
      vlan.ifPresent(id -> {
        Element v = doc.createElement("vlan");
        Element tag = doc.createElement("tag");
        tag.setAttribute("id", Integer.toString(id));
        v.appendChild(tag);
        dev.appendChild(v);
      });
    } else {
      dev = doc.createElement("hostdev");
      dev.setAttribute("mode", "subsystem");
      dev.setAttribute("type", "pci");
      dev.setAttribute("managed", "yes");
      source.appendChild(pciAddress(doc, vf, false));
      dev.appendChild(source);
    }
    Element a = doc.createElement("alias");
    a.setAttribute("name", alias);
    dev.appendChild(a);
    return dev;
  }

  /** Generic mode's NIC on the dummy bridge, whose MAC carries the SR-IOV NIC's identity. */
  private static Element dummyElement(Document doc, HostState.DriverSettings d, MacAddress dummyMac) {
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
    mac.setAttribute("address", dummyMac.toString());
    iface.appendChild(mac);
    Element model = doc.createElement("model");
    model.setAttribute("type", "virtio");
    iface.appendChild(model);
    return iface;
  }

  /** Puts each child of {@code e} on its own line one tab deeper than {@code indent}, as OpenNebula does. */
  private static void layOut(Document doc, Element e, String indent) {
    for (Node child = e.getFirstChild(); child != null; child = child.getNextSibling()) {
      e.insertBefore(doc.createTextNode("\n" + indent + "\t"), child);
    }
    e.appendChild(doc.createTextNode("\n" + indent));
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
