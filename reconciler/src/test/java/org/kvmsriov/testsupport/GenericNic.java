package org.kvmsriov.testsupport;

import java.util.ArrayList;
import java.util.List;
import org.kvmsriov.model.PciAddress;

/**
 * An Intel 82599 (ixgbe) SR-IOV Ethernet PF and its VFs. 82599 VFs start at routing offset 128
 * with stride 2, so VFs of {@code 0000:03:00.0} are {@code 0000:03:10.0}, {@code 03:10.2}, …
 *
 * @param pf the PF's PCI address
 * @param netdev the PF's interface name
 * @param vfs VF addresses in VF-index order
 * @param dir the PF's device directory relative to the root
 */
public record GenericNic(PciAddress pf, String netdev, List<PciAddress> vfs, String dir) {

  public static final int TOTAL_VFS = 63;

  /** Builds the PF with {@code numVfs} VFs enabled on {@code numaNode}, below {@code bridge}. */
  public static GenericNic build(SysfsTree t, String bridge, PciAddress pf, String netdev, int numVfs,
      int numaNode) {
    String dir = t.pciDevice(bridge, pf, "0x8086", "0x10fb", "0x020000", numaNode);
    t.bind(dir, "ixgbe");
    t.iommuGroup(dir);
    t.attr(dir + "/sriov_totalvfs", Integer.toString(TOTAL_VFS));
    t.attr(dir + "/sriov_numvfs", Integer.toString(numVfs));
    t.attr(dir + "/sriov_offset", "128");
    t.attr(dir + "/sriov_stride", "2");
    t.attr(dir + "/sriov_vf_device", "10ed");
    t.attr(dir + "/sriov_drivers_autoprobe", "1");
    t.netdev(dir, netdev, 1, "90:e2:ba:00:03:00", 0);
    List<PciAddress> vfs = new ArrayList<>();
    for (int i = 0; i < numVfs; i++) {
      PciAddress vf = SysfsTree.vfAddress(pf, 128, 2, i);
      vfs.add(vf);
      String vdir = t.pciDevice(bridge, vf, "0x8086", "0x10ed", "0x020000", numaNode);
      t.linkTo(dir + "/virtfn" + i, vdir);
      t.linkTo(vdir + "/physfn", dir);
      t.iommuGroup(vdir);
      switch (VfBinding.of(i)) {
        case VFIO -> t.bind(vdir, "vfio-pci");
        case HOST -> {
          t.bind(vdir, "ixgbevf");
          t.netdev(vdir, SysfsTree.predictableName(vf), 1, String.format("02:09:0a:00:03:%02x", i), 0);
        }
        case UNBOUND -> { }
      }
    }
    return new GenericNic(pf, netdev, List.copyOf(vfs), dir);
  }
}
