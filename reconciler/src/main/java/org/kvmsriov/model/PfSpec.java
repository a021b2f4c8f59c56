package org.kvmsriov.model;

import java.util.List;

/**
 * The desired state of one physical function.
 *
 * @param name interface name; a network whose BRIDGE is {@code sriov_<name>} uses this PF
 * @param mode how VFs reach VMs
 * @param vfs the VF map
 * @param pkeys partitions VMs on this PF may join (mlnx_ofed2); empty = default partition only
 */
public record PfSpec(PfName name, Mode mode, VfSource vfs, List<Pkey> pkeys) {
  public PfSpec {
    pkeys = List.copyOf(pkeys);
  }

  /** The bridge name OpenNebula networks use to select this PF. */
  public String bridgeName() {
    return "sriov_" + name.value();
  }
}
