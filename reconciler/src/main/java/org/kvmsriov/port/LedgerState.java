package org.kvmsriov.port;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.PfName;

/**
 * Everything the ledger holds, as one immutable value. Changes return a new state, which a
 * {@link LedgerSession} commits as a whole.
 *
 * <p>Invariants, checked on construction (a state read from disk is validated the same way): a
 * lease is filed under its own key; no VF address is leased twice, not even under two PFs; no
 * (PF, VF index) is leased twice; a (domain, NIC position) is parked at most once.
 *
 * @param leases by (PF, VF address), in that order
 * @param parked NIC identities of saved VMs, by domain then position
 * @param history the latest operator-visible changes, oldest first, at most {@link #MAX_HISTORY}
 */
public record LedgerState(SortedMap<LeaseKey, Lease> leases, List<ParkedNic> parked, List<HistoryEntry> history) {

  /** Audit entries kept; older ones are dropped so the file stays small. */
  public static final int MAX_HISTORY = 200;

  private static final LedgerState EMPTY = new LedgerState(new TreeMap<>(), List.of(), List.of());

  public LedgerState {
    Objects.requireNonNull(leases, "leases");
    Map<PciAddress, LeaseKey> byVf = new HashMap<>();
    Map<String, LeaseKey> byIndex = new HashMap<>();
    for (Map.Entry<LeaseKey, Lease> e : leases.entrySet()) {
      Lease l = e.getValue();
      if (!l.key().equals(e.getKey())) {
        throw new IllegalArgumentException("lease of " + l.key() + " filed under " + e.getKey());
      }
      LeaseKey other = byVf.put(l.vf(), l.key());
      if (other != null) {
        throw new IllegalArgumentException("VF " + l.vf() + " is leased twice (under " + other.pf() + " and "
            + l.pf() + ")");
      }
      other = byIndex.put(l.pf() + "#" + l.vfIndex(), l.key());
      if (other != null) {
        throw new IllegalArgumentException("VF index " + l.vfIndex() + " of " + l.pf() + " is leased twice ("
            + other.vf() + " and " + l.vf() + ")");
      }
    }
    leases = Collections.unmodifiableSortedMap(new TreeMap<>(leases));
    List<ParkedNic> sorted = new ArrayList<>(parked);
    sorted.sort(ParkedNic.ORDER);
    for (int i = 1; i < sorted.size(); i++) {
      if (ParkedNic.ORDER.compare(sorted.get(i - 1), sorted.get(i)) == 0) {
        throw new IllegalArgumentException("NIC " + sorted.get(i).position() + " of " + sorted.get(i).domain()
            + " is parked twice");
      }
    }
    parked = List.copyOf(sorted);
    history = List.copyOf(history.size() > MAX_HISTORY
        ? history.subList(history.size() - MAX_HISTORY, history.size()) : history);
  }

  /** A ledger with nothing in it (a fresh host). */
  public static LedgerState empty() {
    return EMPTY;
  }

  /** The lease filed under {@code key}. */
  public Optional<Lease> lease(LeaseKey key) {
    return Optional.ofNullable(leases.get(key));
  }

  /** The lease of this VF address, under whichever PF. */
  public Optional<Lease> leaseOfVf(PciAddress vf) {
    return leases.values().stream().filter(l -> l.vf().equals(vf)).findFirst();
  }

  /** The lease of VF number {@code vfIndex} of {@code pf}. */
  public Optional<Lease> leaseOfIndex(PfName pf, int vfIndex) {
    return leasesOf(pf).stream().filter(l -> l.vfIndex() == vfIndex).findFirst();
  }

  /** The leases of one PF, by VF address. */
  public List<Lease> leasesOf(PfName pf) {
    return leases.values().stream().filter(l -> l.pf().equals(pf)).toList();
  }

  /** The leases of one domain, by VF address. */
  public List<Lease> leasesOfDomain(String domain) {
    return leases.values().stream().filter(l -> l.domain().map(domain::equals).orElse(false)).toList();
  }

  /** This state with {@code lease} added, or replacing the lease under the same key. */
  public LedgerState with(Lease lease) {
    TreeMap<LeaseKey, Lease> m = new TreeMap<>(leases);
    m.put(lease.key(), lease);
    return new LedgerState(m, parked, history);
  }

  /** This state without the lease under {@code key} (unchanged when there is none). */
  public LedgerState without(LeaseKey key) {
    TreeMap<LeaseKey, Lease> m = new TreeMap<>(leases);
    m.remove(key);
    return new LedgerState(m, parked, history);
  }

  /** This state with {@code nic} parked (replacing the same domain and position). */
  public LedgerState park(ParkedNic nic) {
    List<ParkedNic> p = new ArrayList<>(parked);
    p.removeIf(x -> ParkedNic.ORDER.compare(x, nic) == 0);
    p.add(nic);
    return new LedgerState(leases, p, history);
  }

  /** The parked NICs of a domain, by position. */
  public List<ParkedNic> parkedOf(String domain) {
    return parked.stream().filter(p -> p.domain().equals(domain)).toList();
  }

  /** This state without any parked NIC of {@code domain}. */
  public LedgerState unpark(String domain) {
    return new LedgerState(leases, parked.stream().filter(p -> !p.domain().equals(domain)).toList(), history);
  }

  /** This state with {@code entry} appended to the history (the oldest dropped past the cap). */
  public LedgerState record(HistoryEntry entry) {
    List<HistoryEntry> h = new ArrayList<>(history);
    h.add(entry);
    return new LedgerState(leases, parked, h);
  }
}
