package org.kvmsriov.port;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.PfName;

/**
 * The host's SR-IOV topology, read fresh on every call: which VFs a PF has, where they sit (NUMA)
 * and which driver holds them. Read-only. InfiniBand GUIDs and partitions are in {@link
 * InfinibandFabric}. Failures (a missing PF, a value the kernel would not write) are {@link
 * FabricException}s naming what was wrong.
 */
public interface Fabric {

  /** The PCI address of the PF behind a network interface. */
  PciAddress pfAddress(PfName pf);

  /** {@code sriov_totalvfs} and {@code sriov_numvfs} of the PF. */
  SriovCounts counts(PfName pf);

  /** The same, for a PF named by its PCI address (one without a network interface, e.g. NVMe). */
  SriovCounts counts(PciAddress pf);

  /** The PF's VFs in VF-index order ({@code virtfn0}, {@code virtfn1}, …). */
  List<VfInfo> vfs(PfName pf);

  /**
   * The VFs of the PF at {@code address}, labelled {@code pf}: for PFs host.yaml gives a
   * {@code pci_address} because they have no network interface.
   */
  List<VfInfo> vfs(PfName pf, PciAddress address);

  /** The PF of a VF ({@code physfn}); empty when the device is not a VF. */
  Optional<PciAddress> physfn(PciAddress device);

  /** A PCI device's NUMA node; empty when the platform does not say ({@code -1}). */
  OptionalInt numaNode(PciAddress device);

  /** The kernel driver bound to a PCI device; empty when none is. */
  Optional<String> driver(PciAddress device);

  /** The host's NUMA nodes in node order (one node on hosts without NUMA). */
  List<NumaNode> numaNodes();
}
