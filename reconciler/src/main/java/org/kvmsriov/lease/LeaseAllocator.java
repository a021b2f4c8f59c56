package org.kvmsriov.lease;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Function;
import org.kvmsriov.model.Guid;
import org.kvmsriov.model.GuidPool;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.PfSpec;
import org.kvmsriov.model.PfName;
import org.kvmsriov.port.Lease;
import org.kvmsriov.port.LedgerState;

/**
 * Chooses the VF to lease. Deterministic, so a retried action picks the same VF: the free VF with
 * the lowest index on the preferred NUMA node, else the free VF with the lowest index anywhere.
 */
public final class LeaseAllocator {

  /**
   * A VF of a PF.
   *
   * @param index its VF index (position in the PF's VF list)
   * @param vf its address
   */
  public record Slot(int index, PciAddress vf) {
    public Slot {
      Objects.requireNonNull(vf, "vf");
    }
  }

  private LeaseAllocator() {}

  /**
   * The GUID a new lease on {@code pf} gives its VF: the first GUID of the PF's pool no lease holds
   * when host.yaml gives the PF a {@code guid_pool}, else {@code derived} (from the identity MAC).
   *
   * @param ledger current leases, those of the same request included
   * @throws NoFreeGuidException when every GUID of the pool is leased
   */
  public static java.util.Optional<Guid> guid(PfSpec pf, LedgerState ledger, java.util.Optional<Guid> derived) {
    if (derived.isEmpty() || pf.guidPool().isEmpty()) {
      return derived;
    }
    Set<Guid> leased = new HashSet<>();
    ledger.leases().values().forEach(l -> l.guid().ifPresent(leased::add));
    GuidPool pool = pf.guidPool().get();
    return java.util.Optional.of(pool.firstFree(leased).orElseThrow(() -> new NoFreeGuidException(pf.name(),
        pool.size())));
  }

  /** {@link #pick(PfName, List, LedgerState, Set, OptionalInt, Function)} with nothing observed in use. */
  public static Slot pick(PfName pf, List<PciAddress> vfs, LedgerState ledger, OptionalInt preferredNuma,
      Function<PciAddress, OptionalInt> numaOf) {
    return pick(pf, vfs, ledger, Set.of(), preferredNuma, numaOf);
  }

  /**
   * @param pf the PF, for the message
   * @param vfs the PF's VFs in index order
   * @param ledger current leases: a VF leased under any PF is not free
   * @param observedInUse VFs libvirt shows in a running domain, leased or not (observed truth wins)
   * @param preferredNuma the node to prefer, or empty for none
   * @param numaOf a VF's NUMA node, empty when the host does not say
   * @throws NoFreeVfException {@code no free VF on <pf>} when every VF is taken
   */
  public static Slot pick(PfName pf, List<PciAddress> vfs, LedgerState ledger, Set<PciAddress> observedInUse,
      OptionalInt preferredNuma, Function<PciAddress, OptionalInt> numaOf) {
    Set<PciAddress> taken = new HashSet<>(observedInUse);
    ledger.leases().values().stream().map(Lease::vf).forEach(taken::add);
    Slot first = null;
    for (int i = 0; i < vfs.size(); i++) {
      PciAddress vf = vfs.get(i);
      if (taken.contains(vf)) {
        continue;
      }
      Slot s = new Slot(i, vf);
      if (preferredNuma.isEmpty() || numaOf.apply(vf).equals(preferredNuma)) {
        return s;
      }
      if (first == null) {
        first = s;
      }
    }
    if (first == null) {
      throw new NoFreeVfException(pf);
    }
    return first;
  }
}
