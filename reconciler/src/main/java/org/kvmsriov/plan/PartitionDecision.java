package org.kvmsriov.plan;

import java.util.List;
import java.util.Optional;
import org.kvmsriov.model.Pkey;
import org.kvmsriov.model.Segment;

/**
 * Where a VF's virtual pkey index 0 — the one the guest's IPoIB interface uses by default —
 * must point in the port's physical pkey table, or that the VF must be blocked.
 *
 * <pre>
 * PartitionDecision = Mapped(physicalIndex, pkey) | Blocked(reason)
 * </pre>
 */
public sealed interface PartitionDecision {

  /** @param physicalIndex index into the port's pkey table; @param pkey the key found there */
  record Mapped(int physicalIndex, Pkey pkey) implements PartitionDecision {}

  /** No usable key: every virtual index of the VF is set to {@code none}. */
  record Blocked(String reason) implements PartitionDecision {}

  /**
   * Decides from the port's table.
   *
   * @param portTable the port's physical pkey table in index order (empty slot = empty)
   * @param allowed host.yaml's pkeys for the PF; empty means any key in the table
   */
  public static PartitionDecision decide(Segment request, List<Optional<Pkey>> portTable, List<Pkey> allowed) {
    if (request instanceof Segment.Blocked) {
      return new Blocked("it was blocked where it ran before; the network driver's post step maps its VLAN_ID");
    }
    List<Pkey> wanted = request instanceof Segment.Partition p ? p.keys()
        : List.of(Pkey.DEFAULT_FULL, new Pkey(0x7fff));
    for (Pkey key : wanted) {
      if (!allowed.isEmpty() && request instanceof Segment.Partition && !allowed.contains(key)) {
        continue;
      }
      for (int i = 0; i < portTable.size(); i++) {
        if (portTable.get(i).filter(key::equals).isPresent()) {
          return new Mapped(i, key);
        }
      }
    }
    String what = request instanceof Segment.Partition p
        ? "partition " + p.number() + " (" + p.keys().get(0) + " or " + p.keys().get(1) + ")"
        : "the default partition (0xffff or 0x7fff)";
    boolean notAllowed = request instanceof Segment.Partition p
        && !allowed.isEmpty() && p.keys().stream().noneMatch(allowed::contains);
    return new Blocked(what + (notAllowed ? " is not in host.yaml's pkeys for this PF"
        : " is not in the port's pkey table"));
  }
}
