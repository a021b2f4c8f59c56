package org.kvmsriov.engine;

import java.util.OptionalInt;
import org.kvmsriov.driver.SriovNic;
import org.kvmsriov.model.Mode;
import org.kvmsriov.model.PfSpec;
import org.kvmsriov.port.Lease;

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
