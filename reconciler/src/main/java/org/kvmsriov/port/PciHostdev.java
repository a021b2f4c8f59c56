package org.kvmsriov.port;

import java.util.Optional;
import org.kvmsriov.model.PciAddress;

/**
 * A {@code <hostdev mode='subsystem' type='pci'>} (or {@code <interface type='hostdev'>}) in a
 * domain's XML.
 *
 * @param source the host PCI device passed through
 * @param guestAddress where the guest sees it, when the XML says
 * @param viaInterface true for {@code <interface type='hostdev'>} (ethernet mode)
 * @param alias libvirt's device alias ({@code hostdev0}, {@code net1}), present in live XML; it is
 *     what a {@link DomainEvent.DeviceRemoved} event names
 * @param vlan the {@code <vlan><tag id=…/>} libvirt sets on an {@code <interface type='hostdev'>}
 *     VF, so a VF detached for a save or migration goes back on the same VLAN
 */
public record PciHostdev(PciAddress source, Optional<PciAddress> guestAddress, boolean viaInterface,
    Optional<String> alias, java.util.OptionalInt vlan) {

  /** A hostdev without a VLAN. */
  public PciHostdev(PciAddress source, Optional<PciAddress> guestAddress, boolean viaInterface,
      Optional<String> alias) {
    this(source, guestAddress, viaInterface, alias, java.util.OptionalInt.empty());
  }

  /** A hostdev as written in a deployment file, before libvirt has given it an alias. */
  public PciHostdev(PciAddress source, Optional<PciAddress> guestAddress, boolean viaInterface) {
    this(source, guestAddress, viaInterface, Optional.empty());
  }
}
