package org.kvmsriov.actions;

import java.util.Optional;
import java.util.OptionalInt;
import org.kvmsriov.opennebula.SriovNic;
import org.kvmsriov.port.Lease;
import org.kvmsriov.port.PciHostdev;

/** How a running domain holds a leased VF, read from its live XML: observed truth first. */
final class HeldVfs {

  private HeldVfs() {}

  /**
   * The NIC position of a lease's VF: the live alias deploy or attach gave it
   * ({@code ua-sriov-<position>}), else the one the lease records, else the identity MAC's.
   *
   * @param fallback when nothing says (a VF adopted without an alias)
   */
  static int position(VmRequest r, String domain, Lease l, int fallback) {
    Optional<String> live = r.hypervisor().domain(domain).stream().flatMap(d -> d.hostdevs().stream())
        .filter(h -> h.source().equals(l.vf())).findFirst().flatMap(PciHostdev::alias);
    for (Optional<String> alias : java.util.List.of(live, l.alias())) {
      OptionalInt p = alias.map(SriovNic::positionOf).orElse(OptionalInt.empty());
      if (p.isPresent()) {
        return p.getAsInt();
      }
    }
    boolean ethernet = r.desired().pf(l.pf()).map(pf -> pf.mode() instanceof org.kvmsriov.model.Mode.Ethernet)
        .orElse(true);
    return !ethernet && l.mac().isPresent() ? l.mac().get().octet(1) : fallback;
  }
}
