package org.kvmsriov.opennebula;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.kvmsriov.config.InvalidInputException;
import org.kvmsriov.model.MacAddress;
import org.kvmsriov.xml.SafeXml;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * The VM XML OpenNebula hands drivers: the {@code <VM>} network drivers get (base64, each
 * element in its own {@code <TEMPLATE>} wrapper, protocol reference §0.7), or the
 * {@code <VMM_DRIVER_ACTION_DATA>} VMM actions get on stdin.
 *
 * @param vmId ID
 * @param deployId DEPLOY_ID, empty during deploy
 * @param nics every NIC, in document order
 */
public record VmTemplate(int vmId, Optional<String> deployId, List<VmNic> nics) {

  public VmTemplate {
    nics = List.copyOf(nics);
  }

  /** Decodes base64 first (network drivers), tolerating the line breaks 5.4 inserted. */
  public static VmTemplate fromBase64(String b64) {
    byte[] raw;
    try {
      raw = Base64.getMimeDecoder().decode(b64.strip());
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("VM template is not valid base64: " + e.getMessage());
    }
    return parse(new String(raw, StandardCharsets.UTF_8));
  }

  public static VmTemplate parse(String xml) {
    Document doc = SafeXml.parse(xml, "VM template");
    Element vm = doc.getDocumentElement();
    if ("VMM_DRIVER_ACTION_DATA".equals(vm.getNodeName())) {
      vm = DeploymentFile.child(vm, "VM");
      if (vm == null) {
        throw new InvalidInputException("VMM action data holds no <VM>");
      }
    }
    if (!"VM".equals(vm.getNodeName())) {
      throw new InvalidInputException("VM template: root element is <" + vm.getNodeName() + ">, not <VM>");
    }
    int id = number(text(vm, "ID").orElse(""), "VM ID");
    List<VmNic> nics = new ArrayList<>();
    for (Element t : DeploymentFile.children(vm, "TEMPLATE")) {
      for (Element nic : DeploymentFile.children(t, "NIC")) {
        nics.add(nic(nic));
      }
    }
    return new VmTemplate(id, text(vm, "DEPLOY_ID").filter(s -> !s.isEmpty()), nics);
  }

  private static VmNic nic(Element e) {
    int nicId = number(text(e, "NIC_ID").orElse(""), "NIC_ID");
    MacAddress mac;
    try {
      mac = MacAddress.parse(text(e, "MAC").orElse(""));
    } catch (IllegalArgumentException ex) {
      throw new InvalidInputException("NIC " + nicId + ": " + ex.getMessage());
    }
    return new VmNic(nicId, mac, text(e, "BRIDGE").orElse(""),
        text(e, "VLAN_ID").filter(s -> !s.isEmpty()), text(e, "VN_MAD").orElse(""),
        text(e, "ATTACH").map("YES"::equalsIgnoreCase).orElse(false));
  }

  /**
   * The NICs a network driver acts on: those of its VN_MAD and, during a NIC hot-plug or unplug
   * (some NIC of the VM, of any VN_MAD, is marked ATTACH="YES"), only the marked one — none when it
   * belongs to another driver, as OpenNebula's own drivers do ({@code NIC[ATTACH='YES']}).
   */
  public List<VmNic> nicsOf(String vnMad) {
    boolean hotplug = nics.stream().anyMatch(VmNic::attaching);
    return nics.stream().filter(n -> n.vnMad().equals(vnMad) && (!hotplug || n.attaching())).toList();
  }

  private static Optional<String> text(Element parent, String name) {
    Element c = DeploymentFile.child(parent, name);
    if (c == null) {
      return Optional.empty();
    }
    StringBuilder b = new StringBuilder();
    for (Node n = c.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n.getNodeType() == Node.TEXT_NODE || n.getNodeType() == Node.CDATA_SECTION_NODE) {
        b.append(n.getNodeValue());
      }
    }
    return Optional.of(b.toString().strip());
  }

  private static int number(String v, String what) {
    if (!v.matches("\\d{1,9}")) {
      throw new InvalidInputException("VM template: " + what + " '" + v + "' is not a number");
    }
    return Integer.parseInt(v);
  }
}
