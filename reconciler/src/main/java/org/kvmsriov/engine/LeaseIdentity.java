package org.kvmsriov.engine;

import java.util.Optional;
import java.util.OptionalInt;
import org.kvmsriov.opennebula.SriovNic;
import org.kvmsriov.model.Mode;
import org.kvmsriov.model.PfSpec;
import org.kvmsriov.model.Pkey;
import org.kvmsriov.plan.PartitionDecision;
import org.kvmsriov.model.Segment;
import org.kvmsriov.opennebula.DomainXmlWriter;
import org.kvmsriov.port.Lease;
import org.kvmsriov.port.FabricView;

/** What a lease's identity says about its VF, shared by driver actions and reconcile passes. */
final class LeaseIdentity {

  private LeaseIdentity() {}

  /**
   * Where the VF's partition goes, decided before anything is written: a lease records the
   * outcome first, so a process killed after the write still leaves what release resets from.
   *
   * @return empty when the HCA has no per-VF pkey tables (mlx5: the subnet manager grants partitions)
   */
  static Optional<PartitionDecision> decide(FabricView fabric, PfSpec pf, Segment partition) {
    return fabric.portPkeys(pf).map(table -> PartitionDecision.decide(partition, table, pf.pkeys()));
  }

  /** The key a lease records for a decision: the key mapped, or {@link Pkey#BLOCKED}. */
  static Pkey recorded(PartitionDecision d) {
    return d instanceof PartitionDecision.Mapped m ? m.pkey() : Pkey.BLOCKED;
  }

  /** The NIC position the identity MAC carries ({@code <prefix>:<pos>:…}); none in ethernet mode. */
  static OptionalInt position(PfSpec pf, Lease l) {
    if (!(pf.mode() instanceof Mode.Ethernet) && l.mac().isPresent()) {
      return OptionalInt.of(l.mac().get().octet(1));
    }
    return OptionalInt.empty();
  }

  /**
   * The hostdev alias: the one recorded, else the NIC position when the identity MAC carries it,
   * else the VF index.
   */
  static String alias(PfSpec pf, Lease l) {
    if (l.alias().isPresent()) {
      return l.alias().get();
    }
    OptionalInt pos = position(pf, l);
    return pos.isPresent() ? SriovNic.aliasFor(pos.getAsInt()) : "ua-sriov-vf" + l.vfIndex();
  }

  /**
   * The device that gives the lease's VF to its domain, rebuilt from the lease alone: the same
   * XML whether deploy, a hot-plug, a restore or a reconcile pass attaches it (ethernet: its MAC
   * and VLAN, which libvirt programs into the VF).
   */
  static String deviceXml(PfSpec pf, Lease l) {
    return DomainXmlWriter.deviceXml(l.vf(), alias(pf, l), pf.mode(), l.mac(),
        l.segment().map(Segment::vlanTag).orElse(OptionalInt.empty()));
  }
}
