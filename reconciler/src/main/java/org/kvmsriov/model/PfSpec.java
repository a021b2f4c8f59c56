package org.kvmsriov.model;

import java.util.List;

/**
 * The desired state of one physical function.
 *
 * @param name interface name; a network whose BRIDGE is {@code sriov_<name>} uses this PF
 * @param pciAddress the PF's own PCI address, when it has no network interface (e.g. NVMe)
 * @param mode how VFs reach VMs
 * @param vfs the VF map
 * @param pkeys partitions VMs on this PF may join (mlnx_ofed2); empty = default partition only
 */
public record PfSpec(PfName name, java.util.Optional<PciAddress> pciAddress, Mode mode, VfSource vfs,
    List<Pkey> pkeys) {
  public PfSpec {
    pkeys = List.copyOf(pkeys);
  }

  /** The bridge name OpenNebula networks use to select this PF. */
  public String bridgeName() {
    return "sriov_" + name.value();
  }
}
