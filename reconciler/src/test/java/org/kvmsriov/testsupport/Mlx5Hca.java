package org.kvmsriov.testsupport;

import java.util.ArrayList;
import java.util.List;
import org.kvmsriov.model.PciAddress;

/**
 * A ConnectX-4 (mlx5) InfiniBand PF, laid out as the layouts doc's Host B (with MLNX_OFED) or
 * Host B' (mainline: no {@code sriov/} and no {@code mlx5_num_vfs}). VFs sit at routing offset 2,
 * stride 1. Every host-bound VF has its own {@code mlx5_N}, numbered in probe order.
 *
 * <p>OFED GUIDs start as the layouts doc shows: VF0 {@code 02:…:00} Follow, VF1 {@code 02:…:01}
 * Up, VF2 all-zero Down (uninitialised), later VFs {@code 02:…:0k} Follow.
 *
 * @param pf PF address
 * @param netdev the PF's IPoIB interface
 * @param hca its IB device ({@code mlx5_0})
 * @param vfs VF addresses in VF-index order
 * @param ofed true when the MLNX_OFED {@code sriov/} tree is present
 */
public record Mlx5Hca(PciAddress pf, String netdev, String hca, List<PciAddress> vfs, boolean ofed) {

  public static final long PF_GUID = 0xb8599f0300f98f86L;

  /** The OFED node and port GUID VF {@code vf} starts with (0 = uninitialised). */
  public static long startGuid(int vf) {
    return vf == 2 ? 0 : 0x0200000000000000L | vf;
  }

  /** The OFED policy VF {@code vf} starts with. */
  public static String startPolicy(int vf) {
    return vf == 1 ? "Up" : vf == 2 ? "Down" : "Follow";
  }

  /** Builds the HCA with the usual 128-entry port pkey table. */
  public static Mlx5Hca build(SysfsTree t, String bridge, PciAddress pf, String netdev, int numVfs, int numaNode,
      boolean ofed) {
    return build(t, bridge, pf, netdev, numVfs, numaNode, ofed, 128);
  }

  /** Builds the HCA with a port pkey table of {@code pkeyLen} entries. */
  public static Mlx5Hca build(SysfsTree t, String bridge, PciAddress pf, String netdev, int numVfs, int numaNode,
      boolean ofed, int pkeyLen) {
    String dir = t.pciDevice(bridge, pf, "0x15b3", "0x1013", "0x020700", numaNode);
    t.bind(dir, "mlx5_core");
    t.iommuGroup(dir);
    t.attr(dir + "/sriov_totalvfs", "16");
    t.attr(dir + "/sriov_numvfs", Integer.toString(numVfs));
    t.attr(dir + "/sriov_offset", "2");
    t.attr(dir + "/sriov_stride", "1");
    t.attr(dir + "/sriov_vf_device", "1014");
    t.attr(dir + "/sriov_drivers_autoprobe", "1");
    t.netdev(dir, netdev, 32, "00:00:05:a9:fe:80:00:00:00:00:00:00:" + Mlx4Hca.colons(PF_GUID), 0);
    String hca = t.nextMlx5();
    String ib = t.ibDevice(dir, hca, SysfsTree.nodeGuid(PF_GUID));
    t.attr(ib + "/fw_ver", "12.28.2006");
    t.attr(ib + "/ports/1/state", "4: ACTIVE");
    t.attr(ib + "/ports/1/phys_state", "5: LinkUp");
    t.attr(ib + "/ports/1/link_layer", "InfiniBand");
    t.attr(ib + "/ports/1/lid", "0x2a");
    t.attr(ib + "/ports/1/rate", "100 Gb/sec (4X EDR)");
    t.attr(ib + "/ports/1/gids/0", SysfsTree.gid(Mlx4Hca.SUBNET, PF_GUID));
    for (int k = 0; k < pkeyLen; k++) {
      t.attr(ib + "/ports/1/pkeys/" + k, k == 0 ? "0xffff" : k == 1 ? "0x800a" : "0x0000");
    }
    if (ofed) {
      t.attr(dir + "/mlx5_num_vfs", Integer.toString(numVfs));
      for (int i = 0; i < numVfs; i++) {
        String g = Mlx4Hca.colons(startGuid(i));
        t.attr(dir + "/sriov/" + i + "/node", g);
        t.attr(dir + "/sriov/" + i + "/port", g);
        t.attr(dir + "/sriov/" + i + "/policy", startPolicy(i));
      }
    }
    List<PciAddress> vfs = new ArrayList<>();
    for (int i = 0; i < numVfs; i++) {
      PciAddress vf = SysfsTree.vfAddress(pf, 2, 1, i);
      vfs.add(vf);
      String vdir = t.pciDevice(bridge, vf, "0x15b3", "0x1014", "0x020700", numaNode);
      t.linkTo(dir + "/virtfn" + i, vdir);
      t.linkTo(vdir + "/physfn", dir);
      t.iommuGroup(vdir);
      switch (VfBinding.of(i)) {
        case VFIO -> t.bind(vdir, "vfio-pci");
        case HOST -> {
          t.bind(vdir, "mlx5_core");
          String vib = t.ibDevice(vdir, t.nextMlx5(), SysfsTree.nodeGuid(startGuid(i)));
          t.attr(vib + "/ports/1/pkeys/0", "0x800a");
          t.netdev(vdir, t.nextIbName(), 32, "00:00:01:07:fe:80:00:00:00:00:00:00:"
              + Mlx4Hca.colons(startGuid(i)), 0);
        }
        case UNBOUND -> { }
      }
    }
    return new Mlx5Hca(pf, netdev, hca, List.copyOf(vfs), ofed);
  }

  /** The PCI directory of the PF relative to the root. */
  public String pfDir() {
    return "sys/bus/pci/devices/" + pf;
  }
}
