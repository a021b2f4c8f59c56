package org.kvmsriov.opennebula;

import java.util.ArrayList;
import java.util.List;
import org.kvmsriov.config.InvalidInputException;
import org.kvmsriov.model.HostState;
import org.kvmsriov.model.MacAddress;
import org.kvmsriov.model.PfName;
import org.kvmsriov.model.SriovIdentity;
import org.kvmsriov.xml.SafeXml;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * A libvirt domain XML as OpenNebula writes it ({@code LibVirtDriverKVM.cc}): parsed safely,
 * its SR-IOV NICs found and checked against host.yaml before anything is leased.
 */
public final class DeploymentFile {

  static final String BRIDGE_PREFIX = "sriov_";

  private final Document doc;
  private final Element devices;
  private final List<SriovNic> nics;

  private DeploymentFile(Document doc, Element devices, List<SriovNic> nics) {
    this.doc = doc;
    this.devices = devices;
    this.nics = List.copyOf(nics);
  }

  /**
   * @throws InvalidInputException for malformed XML, a DOCTYPE, a bridge that names no valid or
   *     declared PF, or an SR-IOV NIC without a MAC
   */
  public static DeploymentFile parse(String xml, HostState host) {
    Document doc = SafeXml.parse(xml, "deployment file");
    Element root = doc.getDocumentElement();
    if (!"domain".equals(root.getLocalName())) {
      throw new InvalidInputException("deployment file: root element is <" + root.getLocalName()
          + ">, not <domain>");
    }
    Element devices = child(root, "devices");
    List<SriovNic> nics = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    if (devices != null) {
      for (Element iface : children(devices, "interface")) {
        Element source = child(iface, "source");
        String bridge = source == null ? "" : source.getAttribute("bridge");
        if (!bridge.startsWith(BRIDGE_PREFIX)) {
          continue;
        }
        String pfName = bridge.substring(BRIDGE_PREFIX.length());
        String why = PfName.problem(pfName);
        if (why != null) {
          problems.add("NIC on bridge '" + bridge + "': " + why);
          continue;
        }
        PfName pf = new PfName(pfName);
        if (host.pf(pf).isEmpty()) {
          problems.add("NIC on bridge '" + bridge + "': PF '" + pf + "' is not declared in host.yaml");
          continue;
        }
        Element macEl = child(iface, "mac");
        MacAddress mac;
        try {
          mac = MacAddress.parse(macEl == null ? null : macEl.getAttribute("address"));
        } catch (IllegalArgumentException e) {
          problems.add("NIC on bridge '" + bridge + "': " + e.getMessage());
          continue;
        }
        if (nics.size() > SriovIdentity.MAX_POSITION) {
          problems.add("more than " + (SriovIdentity.MAX_POSITION + 1) + " SR-IOV NICs");
          break;
        }
        nics.add(new SriovNic(nics.size(), pf, mac, iface));
      }
    }
    problems.addAll(sharedMacs(root));
    if (!problems.isEmpty()) {
      throw new InvalidInputException("deployment file refused: " + String.join("; ", problems));
    }
    return new DeploymentFile(doc, devices, nics);
  }

  /**
   * Two NICs with one MAC, in any {@code <devices>} (libvirt reads them all): a guest could not
   * tell them apart, and a NIC's VF, lease and partition are found by its MAC.
   */
  private static List<String> sharedMacs(Element root) {
    java.util.Map<MacAddress, Integer> count = new java.util.LinkedHashMap<>();
    for (Element devices : children(root, "devices")) {
      for (Element iface : children(devices, "interface")) {
        Element macEl = child(iface, "mac");
        if (macEl == null) {
          continue;
        }
        try {
          count.merge(MacAddress.parse(macEl.getAttribute("address")), 1, Integer::sum);
        } catch (IllegalArgumentException e) {
          // a NIC that is not ours may carry what libvirt accepts; only equal MACs matter here
        }
      }
    }
    return count.entrySet().stream().filter(e -> e.getValue() > 1)
        .map(e -> e.getValue() + " NICs have MAC " + e.getKey()).toList();
  }

  /** The domain name ({@code one-42}). */
  public String domainName() {
    Element name = child(doc.getDocumentElement(), "name");
    return name == null ? "" : name.getTextContent().strip();
  }

  public List<SriovNic> sriovNics() {
    return nics;
  }

  Document document() {
    return doc;
  }

  Element devices() {
    return devices;
  }

  public String toXml() {
    return SafeXml.serialize(doc);
  }

  static Element child(Element parent, String localName) {
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && localName.equals(e.getLocalName())) {
        return e;
      }
    }
    return null;
  }

  static List<Element> children(Element parent, String localName) {
    List<Element> out = new ArrayList<>();
    NodeList list = parent.getChildNodes();
    for (int i = 0; i < list.getLength(); i++) {
      if (list.item(i) instanceof Element e && localName.equals(e.getLocalName())) {
        out.add(e);
      }
    }
    return out;
  }
}
