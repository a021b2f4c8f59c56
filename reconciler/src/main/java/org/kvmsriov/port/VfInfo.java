package org.kvmsriov.port;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.PfName;

/**
 * One virtual function as the host shows it now.
 *
 * @param pf the physical function it belongs to
 * @param index its VF index N ({@code virtfnN}; the {@code ip link … vf N} index)
 * @param address its PCI address
 * @param numaNode the NUMA node of its PCI device, empty when the platform does not say ({@code -1})
 * @param driver the bound kernel driver ({@code vfio-pci}, {@code mlx5_core}), empty when unbound
 */
public record VfInfo(PfName pf, int index, PciAddress address, OptionalInt numaNode, Optional<String> driver) {

  /** The driver libvirt binds a VF to when it passes it into a VM. */
  public static final String VFIO_DRIVER = "vfio-pci";

  /**
   * Drivers whose whole purpose is to hand a device to someone other than the host kernel or
   * libvirt: a VF bound to one is reserved ({@code pci-stub}) or in use by a user-space program
   * on the host (DPDK's {@code uio_pci_generic}, {@code igb_uio}), and is never taken for a VM.
   */
  public static final java.util.Set<String> FOREIGN_DRIVERS = java.util.Set.of("pci-stub", "uio_pci_generic",
      "igb_uio");

  public VfInfo {
    Objects.requireNonNull(pf, "pf");
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(numaNode, "numaNode");
    Objects.requireNonNull(driver, "driver");
    if (index < 0) {
      throw new IllegalArgumentException("VF index " + index + " is negative");
    }
  }

  /** True when the VF is bound to vfio-pci, i.e. handed to (or ready for) a VM. */
  public boolean onVfio() {
    return driver.filter(VFIO_DRIVER::equals).isPresent();
  }
}
