package org.kvmsriov.testsupport;

import java.util.ArrayList;
import java.util.List;
import org.kvmsriov.model.PciAddress;

/**
 * A ConnectX-3 (mlx4) InfiniBand PF in SR-IOV master mode, laid out as {@code
 * drivers/infiniband/hw/mlx4/sysfs.c} and the layouts doc's Host A show it: per-port IPoIB
 * netdevs on the PF, {@code mlx4_N} with only GID 0 and phys-1 pkeys, and the {@code iov/} tree
 * with admin GUIDs, GIDs, pkeys and one {@code "%.8s%.2d.%d"}-named directory per slave.
 *
 * <p>Alias GUIDs start as the layouts doc shows them: slave 1 (VF0) holds {@code aa00c0a80a05}
 * (accepted by the SM, so {@code gids/1} shows it), slave 2 is deleted (all ones), slave 3 asks
 * the SM ({@code 0}), later slaves hold a random locally administered GUID.
 *
 * @param pf PF address
 * @param netdevs the PF's IPoIB interfaces, one per port ({@code ib0} = port 1)
 * @param hca its IB device ({@code mlx4_0})
 * @param ports number of ports
 * @param vfs VF addresses in VF-index order (offset 1, stride 1)
 * @param pkeyEntries entries in the port pkey table ({@code pkey_phys_table_len - 1})
 * @param gidEntries entries in the alias GUID table
 */
public record Mlx4Hca(PciAddress pf, List<String> netdevs, String hca, int ports, List<PciAddress> vfs,
    int pkeyEntries, int gidEntries) {

  /** Subnet prefix of the fixture fabric. */
  public static final long SUBNET = 0xfe80000000000000L;
  /** The PF's port GUID of port P is {@code PF_GUID + P}. */
  public static final long PF_GUID = 0x0002c90300a1b2c0L;
  /** VF0's programmed alias GUID (MAC aa:00:c0:a8:0a:05 behind two zero octets). */
  public static final long VF0_GUID = 0xaa00c0a80a05L;
  /** Port pkey table: default partition, tenant 0x800a (full), 0x000b (limited). */
  public static final List<String> PKEYS = List.of("0xffff", "0x800a", "0x000b");

  /** The random default alias GUID of slave {@code slave} on {@code port} (bit 57 set, 56 clear). */
  public static long randomGuid(int port, int slave) {
    return 0x3e8c1d2f00a40000L | ((long) port << 8) | slave;
  }

  /**
   * Builds the HCA with the usual ConnectX-3 tables (128 physical pkeys, 128 alias GUIDs).
   */
  public static Mlx4Hca build(SysfsTree t, String bridge, PciAddress pf, List<String> netdevs, int numVfs,
      int numaNode) {
    return build(t, bridge, pf, netdevs, numVfs, numaNode, 128, 128);
  }

  /**
   * Builds the HCA with the given physical pkey table and alias GUID table lengths.
   *
   * @param netdevs the PF's IPoIB interface per port; their number is the number of ports
   */
  public static Mlx4Hca build(SysfsTree t, String bridge, PciAddress pf, List<String> netdevs, int numVfs,
      int numaNode, int pkeyPhysLen, int gidLen) {
    int ports = netdevs.size();
    int pkeyEntries = pkeyPhysLen - 1; // master mode reserves the last slot as "none"
    String dir = t.pciDevice(bridge, pf, "0x15b3", "0x1003", "0x020700", numaNode);
    t.bind(dir, "mlx4_core");
    t.iommuGroup(dir);
    t.attr(dir + "/sriov_totalvfs", Integer.toString(numVfs));
    t.attr(dir + "/sriov_numvfs", Integer.toString(numVfs));
    t.attr(dir + "/sriov_offset", "1");
    t.attr(dir + "/sriov_stride", "1");
    t.attr(dir + "/sriov_vf_device", "1004");
    t.attr(dir + "/sriov_drivers_autoprobe", "1");
    for (int p = 1; p <= ports; p++) {
      t.netdev(dir, netdevs.get(p - 1), 32, ipoibAddress(PF_GUID + p), p - 1);
    }
    String hca = t.nextMlx4();
    String ib = t.ibDevice(dir, hca, SysfsTree.nodeGuid(PF_GUID));
    t.attr(ib + "/fw_ver", "2.42.5000");
    t.attr(ib + "/board_id", "MT_1090120019");
    List<PciAddress> vfs = new ArrayList<>();
    for (int i = 0; i < numVfs; i++) {
      vfs.add(SysfsTree.vfAddress(pf, 1, 1, i));
    }
    for (int p = 1; p <= ports; p++) {
      String port = ib + "/ports/" + p;
      t.attr(port + "/state", "4: ACTIVE");
      t.attr(port + "/phys_state", "5: LinkUp");
      t.attr(port + "/link_layer", "InfiniBand");
      t.attr(port + "/lid", "0x" + Integer.toHexString(0x12 + p - 1));
      t.attr(port + "/sm_lid", "0x1");
      t.attr(port + "/rate", "56 Gb/sec (4X FDR)");
      t.attr(port + "/gids/0", SysfsTree.gid(SUBNET, PF_GUID + p)); // only GID 0 in master mode
      for (int k = 0; k < pkeyEntries; k++) {
        t.attr(port + "/pkeys/" + k, k < PKEYS.size() ? PKEYS.get(k) : "0x0000");
      }
      iovPort(t, ib + "/iov/ports/" + p, p, numVfs, pkeyEntries, gidLen);
    }
    for (int slave = 0; slave <= numVfs; slave++) {
      String sdir = ib + "/iov/" + slaveDirName(pf, slave) + "/ports";
      for (int p = 1; p <= ports; p++) {
        String sp = sdir + "/" + p;
        t.attr(sp + "/gid_idx/0", Integer.toString(slave));
        for (int v = 0; v < pkeyEntries; v++) {
          t.attr(sp + "/pkey_idx/" + v, pkeyIdx(slave, v));
        }
        if (slave > 0) {
          t.attr(sp + "/smi_enabled", "0");
          t.attr(sp + "/enable_smi_admin", "0");
        }
      }
    }
    for (int i = 0; i < numVfs; i++) {
      String vdir = t.pciDevice(bridge, vfs.get(i), "0x15b3", "0x1004", "0x020700", numaNode);
      t.linkTo(dir + "/virtfn" + i, vdir);
      t.linkTo(vdir + "/physfn", dir);
      t.iommuGroup(vdir);
      switch (VfBinding.of(i)) {
        case VFIO -> t.bind(vdir, "vfio-pci");
        case HOST -> {
          t.bind(vdir, "mlx4_core");
          String vib = t.ibDevice(vdir, t.nextMlx4(), SysfsTree.nodeGuid(randomGuid(1, i + 1)));
          t.attr(vib + "/ports/1/pkeys/0", "0xffff");
          t.netdev(vdir, t.nextIbName(), 32, ipoibAddress(randomGuid(1, i + 1)), 0);
        }
        case UNBOUND -> { }
      }
    }
    return new Mlx4Hca(pf, List.copyOf(netdevs), hca, ports, List.copyOf(vfs), pkeyEntries, gidLen);
  }

  private static void iovPort(SysfsTree t, String dir, int port, int numVfs, int pkeyEntries, int gidLen) {
    t.dir(dir + "/mcgs");
    for (int k = 0; k < gidLen; k++) {
      long admin = adminGuid(port, k, numVfs);
      t.attr(dir + "/admin_guids/" + k, Long.toHexString(admin));
      long oper = k == 0 ? PF_GUID + port : (admin == 0 || admin == -1L) ? 0 : admin;
      t.attr(dir + "/gids/" + k, oper == 0 ? SysfsTree.gid(0, 0) : SysfsTree.gid(SUBNET, oper));
    }
    for (int k = 0; k < pkeyEntries; k++) {
      t.attr(dir + "/pkeys/" + k, k < PKEYS.size() ? PKEYS.get(k) : "0x0000");
    }
  }

  /** The starting admin GUID of entry k (slave k), as described in the class comment. */
  private static long adminGuid(int port, int k, int numVfs) {
    if (k == 0) {
      return 0; // the PF's hardware GUID entry reads 0
    }
    if (k > numVfs) {
      return -1L;
    }
    return switch (k) {
      case 1 -> port == 1 ? VF0_GUID : randomGuid(port, k);
      case 2 -> -1L;
      case 3 -> 0;
      default -> randomGuid(port, k);
    };
  }

  /** Kernel defaults (init_pkeys): PF identity; VFs index 0 → phys 0, rest none. VF0 as the add-on maps it. */
  private static String pkeyIdx(int slave, int v) {
    if (slave == 0) {
      return Integer.toString(v);
    }
    if (slave == 1) {
      return v == 0 ? "1" : v == 1 ? "0" : "none";
    }
    return v == 0 ? "0" : "none";
  }

  /** The fixture's own rendering of the kernel's {@code "%.8s%.2d.%d"} slave directory name. */
  public static String slaveDirName(PciAddress pf, int slave) {
    return pf.toString().substring(0, 8) + String.format("%02d.%d", slave / 8, slave % 8);
  }

  private static String ipoibAddress(long guid) {
    return "00:00:04:04:fe:80:00:00:00:00:00:00:" + colons(guid);
  }

  static String colons(long guid) {
    StringBuilder b = new StringBuilder();
    for (int s = 56; s >= 0; s -= 8) {
      b.append(b.length() > 0 ? ":" : "").append(String.format("%02x", (guid >>> s) & 0xff));
    }
    return b.toString();
  }

  /** The HCA's directory relative to the root ({@code sys/class/infiniband/mlx4_0}). */
  public String hcaDir() {
    return "sys/class/infiniband/" + hca;
  }

  /** The PCI directory of the PF relative to the root. */
  public String pfDir() {
    return "sys/bus/pci/devices/" + pf;
  }
}
