package org.kvmsriov.testsupport;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The {@code <VM>} document OpenNebula hands network drivers (protocol reference §4.1): ID,
 * DEPLOY_ID, each NIC in its own {@code <TEMPLATE>} wrapper with its attributes sorted by name and
 * every value in CDATA, the history record's host and VM_MAD. Also written as 6.x's
 * {@code vm.xml}, which has the same elements.
 */
public final class VnmTemplate {

  private final int vmId;
  private String deployId = "";
  private final List<String> nics = new ArrayList<>();

  private VnmTemplate(int vmId) {
    this.vmId = vmId;
  }

  public static VnmTemplate vm(int vmId) {
    return new VnmTemplate(vmId);
  }

  /** DEPLOY_ID as oned fills it after deploy (empty during deploy). */
  public VnmTemplate deployId(String id) {
    this.deployId = id;
    return this;
  }

  /**
   * A NIC on network {@code bridge} served by {@code vnMad}.
   *
   * @param vlanId its VLAN_ID, or null for none
   * @param attach true for the NIC being hot-plugged or detached ({@code ATTACH="YES"})
   */
  public VnmTemplate nic(int nicId, String bridge, String mac, String vlanId, String vnMad, boolean attach) {
    StringBuilder b = new StringBuilder("<TEMPLATE><NIC>");
    b.append("<AR_ID><![CDATA[0]]></AR_ID>");
    if (attach) {
      b.append("<ATTACH><![CDATA[YES]]></ATTACH>");
    }
    b.append("<BRIDGE><![CDATA[").append(bridge).append("]]></BRIDGE>");
    b.append("<BRIDGE_TYPE><![CDATA[linux]]></BRIDGE_TYPE>");
    b.append("<MAC><![CDATA[").append(mac).append("]]></MAC>");
    b.append("<NETWORK><![CDATA[net-").append(bridge).append("]]></NETWORK>");
    b.append("<NIC_ID><![CDATA[").append(nicId).append("]]></NIC_ID>");
    b.append("<TARGET><![CDATA[one-").append(vmId).append('-').append(nicId).append("]]></TARGET>");
    if (vlanId != null) {
      b.append("<VLAN_ID><![CDATA[").append(vlanId).append("]]></VLAN_ID>");
    }
    b.append("<VN_MAD><![CDATA[").append(vnMad).append("]]></VN_MAD>");
    b.append("</NIC></TEMPLATE>");
    nics.add(b.toString());
    return this;
  }

  /** A NIC of the sriov_partition network driver, not being hot-plugged. */
  public VnmTemplate nic(int nicId, String bridge, String mac, String vlanId) {
    return nic(nicId, bridge, mac, vlanId, "sriov_partition", false);
  }

  public String xml() {
    return "<VM><ID>" + vmId + "</ID><DEPLOY_ID>" + deployId + "</DEPLOY_ID>"
        + "<TEMPLATE><CONTEXT><NETWORK><![CDATA[YES]]></NETWORK></CONTEXT></TEMPLATE>"
        + String.join("", nics)
        + "<HISTORY_RECORDS><HISTORY><HOSTNAME>node01</HOSTNAME><VM_MAD><![CDATA[kvm_sriov]]></VM_MAD></HISTORY>"
        + "</HISTORY_RECORDS></VM>";
  }

  /** As OpenNebula sends it: base64 without newlines (6.x strict_encode64). */
  public String base64() {
    return Base64.getEncoder().encodeToString(xml().getBytes(StandardCharsets.UTF_8));
  }
}
