package org.kvmsriov.testsupport;

/**
 * What a fixture VF is bound to, following the layouts doc: VF0 is in a VM (vfio-pci), VF2 is
 * unbound, every other VF is bound to its host driver (with netdev and, for HCAs, an IB device).
 */
enum VfBinding {
  VFIO,
  HOST,
  UNBOUND;

  static VfBinding of(int vf) {
    return vf == 0 ? VFIO : vf == 2 ? UNBOUND : HOST;
  }
}
