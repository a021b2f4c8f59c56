package org.kvmsriov.port;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.kvmsriov.model.Guid;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.PfSpec;
import org.kvmsriov.model.Pkey;

/**
 * What the engine needs of the fabric, per declared PF. Implemented over the sysfs adapters;
 * InfiniBand operations apply to mlnx_ofed2 PFs only.
 */
public interface FabricView {

  /** The PF's VF map: host.yaml's list, or its virtfnN links in N order. */
  List<PciAddress> vfMap(PfSpec pf);

  /**
   * Why VF {@code vf} of {@code pf}'s map cannot be given to a VM, empty when it can: the device
   * is absent, is not a VF of this PF, or is bound to a driver that hands it to another user.
   */
  Optional<String> unusable(PfSpec pf, PciAddress vf);

  /** The PF's own PCI address. */
  PciAddress pfAddress(PfSpec pf);

  /** The PF of a PCI device when it is a VF ({@code physfn}). */
  Optional<PciAddress> physfn(PciAddress device);

  /** The host's NUMA nodes and their CPUs. */
  List<org.kvmsriov.port.NumaNode> numaNodes();

  /** The NUMA node of a device, when the platform says. */
  OptionalInt numaNode(PciAddress device);

  /** The port GUID a VF shows, where the interface can read it back. */
  Optional<Guid> portGuid(PfSpec pf, int vfIndex);

  /** Programs a VF's GUID (node and port where the interface has both). */
  void programGuid(PfSpec pf, int vfIndex, Guid guid);

  /** Puts a VF's GUID back to {@code original}, or clears it (mlx4 all-ones, mlx5 zero). */
  void resetGuid(PfSpec pf, int vfIndex, Optional<Guid> original);

  /**
   * A function-level reset of the VF ({@code 1} to its sysfs {@code reset}): clears what a guest
   * left in it that no GUID, MAC or pkey reset reaches.
   */
  void resetFunction(PciAddress vf);

  /** The port's physical pkey table; empty when the HCA has no per-VF tables (mlx5). */
  Optional<List<Optional<Pkey>>> portPkeys(PfSpec pf);

  /** Where the VF's virtual pkey index 0 points; empty for {@code none}. */
  OptionalInt pkeySlot0(PfSpec pf, int vfIndex);

  /**
   * Sets the VF's virtual pkey table: index 0 at {@code physicalIndex} (empty: blocked), every
   * other index {@code none}.
   */
  void mapPkey(PfSpec pf, int vfIndex, OptionalInt physicalIndex);

  /** The VF's default partition map (index 0 → the port's default key, as before a lease). */
  void resetPkey(PfSpec pf, int vfIndex);
}
