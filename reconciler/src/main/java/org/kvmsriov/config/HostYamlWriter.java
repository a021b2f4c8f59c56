package org.kvmsriov.config;

import java.util.List;
import org.kvmsriov.model.GuidPool;
import org.kvmsriov.model.HostState;
import org.kvmsriov.model.Mode;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.PfSpec;
import org.kvmsriov.model.SubnetManagerSpec;
import org.kvmsriov.model.VfReset;
import org.kvmsriov.model.VfSource;

/** Writes a {@link HostState} as host.yaml text that {@link HostStateLoader} reads back equal. */
public final class HostYamlWriter {

  private HostYamlWriter() {}

  /**
   * @param header comment lines put at the top (without "# ")
   * @param pfComments per PF name, comment lines put above it
   */
  public static String write(HostState s, List<String> header, java.util.Map<String, List<String>> pfComments) {
    StringBuilder b = new StringBuilder();
    header.forEach(h -> b.append("# ").append(h).append('\n'));
    b.append("version: 1\n");
    s.libvirtUri().ifPresent(u -> b.append("libvirt_uri: ").append(quote(u)).append('\n'));
    HostState.DriverSettings d = s.driver();
    b.append("driver:\n")
        .append("  dummy_bridge: ").append(quote(d.dummyBridge())).append('\n')
        .append("  dummy_bridge_type: ").append(d.dummyBridgeOvs() ? "openvswitch" : "linux").append('\n')
        .append("  mac_prefix: \"").append(d.macPrefix()).append("\"\n")
        .append("  hpc:\n")
        .append("    enabled: ").append(d.hpc().enabled()).append('\n')
        .append("    cpu_passthrough_threshold: ").append(d.hpc().cpuPassthroughThreshold()).append('\n');
    b.append("reconcile:\n")
        .append("  interval_seconds: ").append(s.reconcile().interval().toSeconds()).append('\n')
        .append("  stale_lease_grace_seconds: ").append(s.reconcile().staleLeaseGrace().toSeconds())
        .append('\n');
    if (!s.subnetManagers().isEmpty()) {
      b.append("subnet_managers:\n");
      s.subnetManagers().forEach(sm -> subnetManager(b, sm));
    }
    b.append("pfs:\n");
    for (PfSpec pf : s.pfs()) {
      pfComments.getOrDefault(pf.name().value(), List.of())
          .forEach(c -> b.append("  # ").append(c).append('\n'));
      b.append("  ").append(pf.name()).append(":\n");
      b.append("    mode: ").append(pf.mode().yamlName()).append('\n');
      pf.pciAddress().ifPresent(a -> b.append("    pci_address: ").append(a).append('\n'));
      if (pf.mode() instanceof Mode.MlnxOfed2 ib) {
        b.append("    ofed:\n");
        ib.ofed().device().ifPresent(dev -> b.append("      device: ").append(dev).append('\n'));
        b.append("      port: ").append(ib.ofed().port()).append('\n');
      }
      if (!pf.pkeys().isEmpty()) {
        b.append("    pkeys:\n");
        pf.pkeys().forEach(k -> b.append("      - ").append(k).append('\n'));
      }
      pf.subnetManager().ifPresent(n -> b.append("    subnet_manager: ").append(quote(n)).append('\n'));
      pf.guidPool().ifPresent(pool -> guidPool(b, pool));
      if (pf.reset() != VfReset.NONE) {
        b.append("    reset: ").append(pf.reset().yamlName()).append('\n');
      }
      if (pf.vfs() instanceof VfSource.Listed listed) {
        b.append("    vfs:\n");
        for (PciAddress a : listed.addresses()) {
          b.append("      - ").append(a).append('\n');
        }
      } else {
        b.append("    discover: true\n");
      }
    }
    return b.toString();
  }

  private static void subnetManager(StringBuilder b, SubnetManagerSpec sm) {
    b.append("  ").append(sm.name()).append(":\n");
    if (sm instanceof SubnetManagerSpec.OpenSm o) {
      b.append("    type: opensm\n")
          .append("    partitions_file: ").append(quote(o.partitionsFile().toString())).append('\n');
      o.host().ifPresent(h -> b.append("    host: ").append(quote(h)).append('\n'));
      b.append("    reload: ").append(o.reload() == SubnetManagerSpec.Reload.HUP ? "hup" : "none").append('\n');
      o.pidFile().ifPresent(p -> b.append("    pid_file: ").append(quote(p.toString())).append('\n'));
    } else if (sm instanceof SubnetManagerSpec.Ufm u) {
      b.append("    type: ufm\n")
          .append("    url: ").append(quote(u.url().toString())).append('\n')
          .append("    credentials_file: ").append(quote(u.credentialsFile().toString())).append('\n')
          .append("    verify_tls: ").append(u.verifyTls()).append('\n');
    }
  }

  private static void guidPool(StringBuilder b, GuidPool pool) {
    if (pool instanceof GuidPool.Range r) {
      b.append("    guid_pool: {first: \"").append(r.first().toHex()).append("\", last: \"")
          .append(r.last().toHex()).append("\"}\n");
    } else if (pool instanceof GuidPool.Listed l) {
      b.append("    guid_pool:\n");
      l.guids().forEach(g -> b.append("      - \"").append(g.toHex()).append("\"\n"));
    }
  }

  /** Double-quoted YAML scalar; enough for URIs and interface names. */
  private static String quote(String v) {
    return "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
