package org.kvmsriov.remotes;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A VM as oned describes it to drivers, rendered in the forms the harness feeds the remotes
 * (protocol reference §2.1, §3, §4.1): the libvirt deployment file {@code LibVirtDriverKVM.cc}
 * writes (5.4, 6.10 and 7.0 layouts), the {@code <VM>} 6.x saves as {@code vm.xml}, the filtered
 * template network drivers get (base64), and the {@code VMM_DRIVER_ACTION_DATA} on VMM stdin.
 * Tabs, single-quoted attributes and CDATA as oned writes them.
 *
 * @param id VM id
 * @param uuid the libvirt UUID (6.x writes it; also the node file's)
 * @param nics NICs in NIC_ID order
 */
record OneVm(int id, String uuid, List<Nic> nics) {

  static final String HOST = "node01";
  static final String DS = "/var/lib/one//datastores/0";

  /**
   * A NIC as oned resolves it ({@code VirtualNetwork::nic_attribute}).
   *
   * @param nicId NIC_ID
   * @param bridge BRIDGE ({@code sriov_<pf>} for kvm-sriov's)
   * @param vnMad VN_MAD ({@code sriov_partition}, {@code ovswitch}, {@code dummy}, …)
   * @param vlanId VLAN_ID, a free string oned does not check
   * @param attach ATTACH="YES": the NIC being hot-plugged or unplugged
   */
  record Nic(int nicId, String bridge, String vnMad, Optional<String> vlanId, boolean attach) {

    static Nic sriov(int nicId, String pf, String vlanId) {
      return new Nic(nicId, "sriov_" + pf, "sriov_partition", Optional.ofNullable(vlanId), false);
    }

    static Nic plain(int nicId, String bridge, String vnMad) {
      return new Nic(nicId, bridge, vnMad, Optional.empty(), false);
    }

    Nic attaching() {
      return new Nic(nicId, bridge, vnMad, vlanId, true);
    }
  }

  OneVm {
    nics = List.copyOf(nics);
  }

  static OneVm of(int id, Nic... nics) {
    return new OneVm(id, String.format("6a1f3e0c-7b1d-4c1e-9a51-%012d", id), List.of(nics));
  }

  OneVm with(Nic nic) {
    List<Nic> more = new ArrayList<>(nics);
    more.add(nic);
    return new OneVm(id, uuid, more);
  }

  String name() {
    return "one-" + id;
  }

  /** OpenNebula's MAC: prefix 02:00, then the IPv4 address 10.0.&lt;vm&gt;.&lt;nic&gt;. */
  String mac(Nic n) {
    return String.format("02:00:0a:00:%02x:%02x", id, n.nicId());
  }

  String ip(Nic n) {
    return "10.0." + id + "." + n.nicId();
  }

  Nic nic(int nicId) {
    return nics.stream().filter(n -> n.nicId() == nicId).findFirst().orElseThrow();
  }

  /** The VM's directory in the system datastore on the host: where deploy writes the file. */
  String vmDir(String datastores) {
    return datastores + "/" + id;
  }

  // ------------------------------------------------------------------ deployment file

  /** The deployment file oned writes for this VM ({@code LibVirtDriverKVM.cc}, §3). */
  String deployment(OneVersion v, String datastores) {
    StringBuilder b = new StringBuilder();
    b.append("<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>\n");
    b.append("\t<name>").append(name()).append("</name>\n");
    if (v.six) {
      b.append("\t<title><![CDATA[vm-").append(id).append("]]></title>\n");
      b.append("\t<uuid>").append(uuid).append("</uuid>\n");
    }
    b.append("\t<vcpu><![CDATA[1]]></vcpu>\n");
    b.append("\t<cputune>\n\t\t<shares>1024</shares>\n\t</cputune>\n");
    b.append("\t<memory>65536</memory>\n");
    b.append("\t<os>\n\t\t<type arch='x86_64'>hvm</type>\n\t</os>\n");
    b.append("\t<devices>\n");
    b.append("\t\t<emulator><![CDATA[").append(v.six ? "/usr/bin/qemu-kvm-one" : "/usr/bin/kvm")
        .append("]]></emulator>\n");
    b.append("\t\t<disk type='file' device='cdrom'>\n");
    b.append("\t\t\t<source file='").append(vmDir(datastores)).append("/disk.1'/>\n");
    b.append("\t\t\t<target dev='hda'").append(v.six ? " bus='ide'" : "").append("/>\n");
    b.append("\t\t\t<readonly/>\n\t\t\t<driver name='qemu' type='raw'/>\n\t\t</disk>\n");
    for (Nic n : nics) {
      b.append("\t\t<interface type='bridge'>\n");
      if (n.vnMad().equals("ovswitch")) { // 5.4: by VN_MAD; 6.x: by BRIDGE_TYPE, the same here
        b.append("\t\t\t<virtualport type='openvswitch'/>\n");
      }
      b.append("\t\t\t<source bridge='").append(n.bridge()).append("'/>\n");
      b.append("\t\t\t<mac address='").append(mac(n)).append("'/>\n");
      b.append("\t\t\t<target dev='").append(name()).append('-').append(n.nicId()).append("'/>\n");
      if (v.six) { // vmm_exec_kvm.conf NIC MODEL virtio applies to every interface
        b.append("\t\t\t<model type='virtio'/>\n");
      }
      if (v.vhostQueues) { // 7.0: VIRTIO_QUEUES "auto" = the VM's VCPU, 1
        b.append("\t\t\t<driver name='vhost' queues='1'/>\n");
      }
      b.append("\t\t</interface>\n");
    }
    b.append("\t\t<graphics type='vnc' listen='0.0.0.0' port='").append(5900 + id).append("'/>\n");
    b.append("\t</devices>\n");
    b.append("\t<features>\n\t\t<acpi/>\n\t</features>\n");
    b.append("\t<metadata>\n");
    if (v.six) {
      b.append("\t\t<one:vm xmlns:one=\"http://opennebula.org/xmlns/libvirt/1.0\">\n");
      b.append("\t\t\t<one:system_datastore><![CDATA[").append(vmDir(datastores)).append("]]></one:system_datastore>\n");
      b.append("\t\t\t<one:name><![CDATA[vm-").append(id).append("]]></one:name>\n");
      b.append("\t\t\t<one:uname><![CDATA[oneadmin]]></one:uname>\n\t\t\t<one:uid>0</one:uid>\n");
      b.append("\t\t\t<one:gname><![CDATA[oneadmin]]></one:gname>\n\t\t\t<one:gid>0</one:gid>\n");
      b.append("\t\t\t<one:opennebula_version>").append(v.release).append("</one:opennebula_version>\n");
      b.append("\t\t\t<one:stime>1732540000</one:stime>\n");
      b.append("\t\t\t<one:deployment_time>1732540009</one:deployment_time>\n");
      b.append("\t\t</one:vm>\n");
    } else {
      b.append("\t\t<system_datastore><![CDATA[").append(vmDir(datastores)).append("]]>\t\t</system_datastore>\n");
    }
    b.append("\t</metadata>\n");
    b.append("</domain>\n");
    return b.toString();
  }

  // ------------------------------------------------------------------ VM XML

  /** One NIC vector attribute, sub-attributes sorted by name as {@code std::map} keeps them. */
  private String nicXml(Nic n, OneVersion v) {
    TreeMap<String, String> a = new TreeMap<>();
    a.put("AR_ID", "0");
    if (n.attach()) {
      a.put("ATTACH", "YES");
    }
    a.put("BRIDGE", n.bridge());
    if (v.six) {
      a.put("BRIDGE_TYPE", n.vnMad().equals("ovswitch") ? "openvswitch" : "linux");
      a.put("NAME", "NIC" + n.nicId());
    }
    a.put("CLUSTER_ID", "0");
    a.put("IP", ip(n));
    a.put("MAC", mac(n));
    a.put("NETWORK", n.bridge() + "-net");
    a.put("NETWORK_ID", Integer.toString(n.nicId() + 1));
    a.put("NETWORK_UNAME", "oneadmin");
    a.put("NIC_ID", Integer.toString(n.nicId()));
    a.put("SECURITY_GROUPS", "0");
    a.put("TARGET", name() + "-" + n.nicId());
    n.vlanId().ifPresent(vlan -> a.put("VLAN_ID", vlan));
    a.put("VN_MAD", n.vnMad());
    StringBuilder b = new StringBuilder("<NIC>");
    a.forEach((k, val) -> b.append('<').append(k).append("><![CDATA[").append(val).append("]]></").append(k).append('>'));
    return b.append("</NIC>").toString();
  }

  private String context() {
    StringBuilder b = new StringBuilder("<CONTEXT><DISK_ID><![CDATA[1]]></DISK_ID>");
    for (Nic n : nics) {
      String eth = "ETH" + n.nicId() + "_";
      b.append('<').append(eth).append("IP><![CDATA[").append(ip(n)).append("]]></").append(eth).append("IP>");
      b.append('<').append(eth).append("MAC><![CDATA[").append(mac(n)).append("]]></").append(eth).append("MAC>");
      b.append('<').append(eth).append("VLAN_ID><![CDATA[").append(n.vlanId().orElse("")).append("]]></")
          .append(eth).append("VLAN_ID>");
    }
    return b.append("<NETWORK><![CDATA[YES]]></NETWORK><TARGET><![CDATA[hda]]></TARGET></CONTEXT>").toString();
  }

  /** The full {@code <VM>} (one history record) that VMM actions get and 6.x writes as vm.xml. */
  String vmXml(OneVersion v, String deployId) {
    StringBuilder b = new StringBuilder();
    b.append("<VM><ID>").append(id).append("</ID><UID>0</UID><GID>0</GID><UNAME>oneadmin</UNAME>")
        .append("<GNAME>oneadmin</GNAME><NAME>vm-").append(id).append("</NAME><LAST_POLL>0</LAST_POLL>")
        .append("<STATE>3</STATE><LCM_STATE>3</LCM_STATE><PREV_STATE>3</PREV_STATE><PREV_LCM_STATE>3</PREV_LCM_STATE>")
        .append("<RESCHED>0</RESCHED><STIME>1732540000</STIME><ETIME>0</ETIME>")
        .append(deployId.isEmpty() ? "<DEPLOY_ID/>" : "<DEPLOY_ID>" + deployId + "</DEPLOY_ID>")
        .append("<MONITORING/><TEMPLATE>").append(context())
        .append("<CPU><![CDATA[1]]></CPU><MEMORY><![CDATA[64]]></MEMORY>");
    for (Nic n : nics) {
      b.append(nicXml(n, v));
    }
    b.append("<VCPU><![CDATA[1]]></VCPU><VMID><![CDATA[").append(id).append("]]></VMID></TEMPLATE>")
        .append("<USER_TEMPLATE/><HISTORY_RECORDS><HISTORY><OID>").append(id).append("</OID><SEQ>0</SEQ><HOSTNAME>")
        .append(HOST).append("</HOSTNAME><HID>1</HID><CID>0</CID><STIME>1732540002</STIME><ETIME>0</ETIME>")
        .append("<VM_MAD><![CDATA[kvm_sriov]]></VM_MAD><TM_MAD><![CDATA[shared]]></TM_MAD><DS_ID>0</DS_ID>")
        .append("</HISTORY></HISTORY_RECORDS></VM>");
    return b.toString();
  }

  /**
   * What network drivers get, before base64 (§4.1, §0.7): the kept elements, each in its own
   * wrapper, and every NIC that has a VN_MAD — all of them, not only this driver's.
   */
  String vnmXml(OneVersion v, String deployId) {
    StringBuilder b = new StringBuilder("<VM><ID>").append(id).append("</ID>")
        .append(deployId.isEmpty() ? "<DEPLOY_ID/>" : "<DEPLOY_ID>" + deployId + "</DEPLOY_ID>")
        .append("<TEMPLATE>").append(context()).append("</TEMPLATE><USER_TEMPLATE/>")
        .append("<TEMPLATE><SECURITY_GROUP_RULE><PROTOCOL><![CDATA[ALL]]></PROTOCOL><RULE_TYPE><![CDATA[OUTBOUND]]>")
        .append("</RULE_TYPE><SECURITY_GROUP_ID><![CDATA[0]]></SECURITY_GROUP_ID></SECURITY_GROUP_RULE></TEMPLATE>")
        .append("<HISTORY_RECORDS><HISTORY><HOSTNAME>").append(HOST).append("</HOSTNAME></HISTORY></HISTORY_RECORDS>");
    if (v.six) {
      b.append("<HISTORY_RECORDS><HISTORY><HID>1</HID></HISTORY></HISTORY_RECORDS>")
          .append("<HISTORY_RECORDS><HISTORY><DS_ID>0</DS_ID></HISTORY></HISTORY_RECORDS>");
    }
    b.append("<HISTORY_RECORDS><HISTORY><VM_MAD><![CDATA[kvm_sriov]]></VM_MAD></HISTORY></HISTORY_RECORDS>");
    for (Nic n : nics) {
      b.append("<TEMPLATE>").append(nicXml(n, v)).append("</TEMPLATE>");
    }
    return b.append("</VM>").toString();
  }

  /** {@link #vnmXml} as oned passes it: base64 without line breaks. */
  String vnmBase64(OneVersion v, String deployId) {
    return Base64.getEncoder().encodeToString(vnmXml(v, deployId).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The VMM_DRIVER_ACTION_DATA VMM scripts read on stdin (§2.1).
   *
   * @param checkpoint CHECKPOINT_FILE, or empty
   * @param extraVm text appended inside {@code <VM>}'s USER_TEMPLATE (to make the data large)
   */
  String actionData(OneVersion v, String deployId, String datastores, String checkpoint, String extraVm) {
    String vm = vmXml(v, deployId).replace("<USER_TEMPLATE/>", extraVm.isEmpty() ? "<USER_TEMPLATE/>"
        : "<USER_TEMPLATE>" + extraVm + "</USER_TEMPLATE>");
    return "<VMM_DRIVER_ACTION_DATA><HOST>" + HOST + "</HOST><MIGR_HOST/>"
        + (deployId.isEmpty() ? "<DEPLOY_ID/>" : "<DEPLOY_ID>" + deployId + "</DEPLOY_ID>")
        + "<LOCAL_DEPLOYMENT_FILE/><REMOTE_DEPLOYMENT_FILE>" + vmDir(datastores) + "/deployment.0"
        + "</REMOTE_DEPLOYMENT_FILE>"
        + (checkpoint.isEmpty() ? "<CHECKPOINT_FILE/>" : "<CHECKPOINT_FILE>" + checkpoint + "</CHECKPOINT_FILE>")
        + "<TM_COMMAND/><TM_COMMAND_ROLLBACK/><DISK_TARGET_PATH/>" + vm
        + "<DATASTORE><ID>0</ID><NAME>system</NAME><TM_MAD><![CDATA[shared]]></TM_MAD>"
        + "<BASE_PATH><![CDATA[" + datastores + "]]></BASE_PATH></DATASTORE></VMM_DRIVER_ACTION_DATA>";
  }

  /** The system datastore's XML 6.x writes as ds.xml beside vm.xml. */
  static String dsXml(String datastores) {
    return "<DATASTORE><ID>0</ID><NAME>system</NAME><TM_MAD><![CDATA[shared]]></TM_MAD><BASE_PATH><![CDATA["
        + datastores + "]]></BASE_PATH><TYPE>1</TYPE></DATASTORE>";
  }
}
