package org.kvmsriov.engine;

import java.util.Optional;
import java.util.OptionalInt;
import org.kvmsriov.opennebula.SriovNic;
import org.kvmsriov.model.Mode;
import org.kvmsriov.model.PfSpec;
import org.kvmsriov.model.Pkey;
import org.kvmsriov.plan.PartitionDecision;
import org.kvmsriov.plan.PartitionRequest;
import org.kvmsriov.port.Lease;
import org.kvmsriov.port.FabricView;

/** What a lease's identity says about its VF, shared by driver actions and reconcile passes. */
final class LeaseIdentity {

  private LeaseIdentity() {}

  /**
   * Puts back what we programmed on an InfiniBand VF before it is free for the next VM: the GUID
   * found at reservation (or none), and the default pkey map where the HCA has per-VF tables.
   */
  static void reset(FabricView fabric, PfSpec pf, Lease l) {
    if (pf.mode() instanceof Mode.MlnxOfed2) {
      if (l.guid().isPresent()) {
        fabric.resetGuid(pf, l.vfIndex(), l.originalGuid());
      }
      if (l.pkey().isPresent() && fabric.portPkeys(pf).isPresent()) {
        fabric.resetPkey(pf, l.vfIndex());
      }
    }
  }

  /**
   * Where the VF's partition goes, decided before anything is written: a lease records the
   * outcome first, so a process killed after the write still leaves what release resets from.
   *
   * @return empty when the HCA has no per-VF pkey tables (mlx5: the subnet manager grants partitions)
   */
  static Optional<PartitionDecision> decide(FabricView fabric, PfSpec pf, PartitionRequest partition) {
    return fabric.portPkeys(pf).map(table -> PartitionDecision.decide(partition, table, pf.pkeys()));
  }

  /** The key a lease records for a decision: the key mapped, or {@link Pkey#BLOCKED}. */
  static Pkey recorded(PartitionDecision d) {
    return d instanceof PartitionDecision.Mapped m ? m.pkey() : Pkey.BLOCKED;
  }

  /** Writes a decision into the VF's virtual pkey table (index 0, or {@code none} when blocked). */
  static void apply(FabricView fabric, PfSpec pf, int vfIndex, PartitionDecision d) {
    fabric.mapPkey(pf, vfIndex, d instanceof PartitionDecision.Mapped m ? OptionalInt.of(m.physicalIndex())
        : OptionalInt.empty());
  }

  /** The NIC position the identity MAC carries ({@code <prefix>:<pos>:…}); none in ethernet mode. */
  static OptionalInt position(PfSpec pf, Lease l) {
    if (!(pf.mode() instanceof Mode.Ethernet) && l.mac().isPresent()) {
      return OptionalInt.of(l.mac().get().octet(1));
    }
    return OptionalInt.empty();
  }

  /** The hostdev alias: the NIC position when the identity MAC carries it, else the VF index. */
  static String alias(PfSpec pf, Lease l) {
    OptionalInt pos = position(pf, l);
    return pos.isPresent() ? SriovNic.aliasFor(pos.getAsInt()) : "ua-sriov-vf" + l.vfIndex();
  }
}
