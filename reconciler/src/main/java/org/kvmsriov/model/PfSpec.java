package org.kvmsriov.model;

import java.util.List;
import java.util.Optional;

/**
 * The desired state of one physical function.
 *
 * @param name interface name; a network whose BRIDGE is {@code sriov_<name>} uses this PF
 * @param pciAddress the PF's own PCI address, when it has no network interface (e.g. NVMe)
 * @param mode how VFs reach VMs
 * @param vfs the VF map
 * @param pkeys partitions VMs on this PF may join (mlnx_ofed2); empty = default partition only
 * @param subnetManager the name of the {@link SubnetManagerSpec} holding this PF's partition
 *     membership (mlnx_ofed2); empty: partitions are mapped on the host (mlx4) or not at all
 * @param guidPool the port GUIDs this PF's VFs may be given (mlnx_ofed2); empty: derived from MACs
 * @param reset what a VF goes through on release
 */
public record PfSpec(PfName name, Optional<PciAddress> pciAddress, Mode mode, VfSource vfs,
    List<Pkey> pkeys, Optional<String> subnetManager, Optional<GuidPool> guidPool, VfReset reset) {
  public PfSpec {
    pkeys = List.copyOf(pkeys);
  }

  /** A PF without a subnet manager, GUID pool or reset. */
  public PfSpec(PfName name, Optional<PciAddress> pciAddress, Mode mode, VfSource vfs, List<Pkey> pkeys) {
    this(name, pciAddress, mode, vfs, pkeys, Optional.empty(), Optional.empty(), VfReset.NONE);
  }

  /** The bridge name OpenNebula networks use to select this PF. */
  public String bridgeName() {
    return "sriov_" + name.value();
  }
}
