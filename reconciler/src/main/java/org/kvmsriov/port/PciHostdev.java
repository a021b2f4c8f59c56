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
 */
public record PciHostdev(PciAddress source, Optional<PciAddress> guestAddress, boolean viaInterface) {}
