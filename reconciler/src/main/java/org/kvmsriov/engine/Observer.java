package org.kvmsriov.engine;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Predicate;
import org.kvmsriov.model.Guid;
import org.kvmsriov.model.HostState;
import org.kvmsriov.model.Mode;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.PfName;
import org.kvmsriov.model.PfSpec;
import org.kvmsriov.model.Pkey;
import org.kvmsriov.plan.Observation;
import org.kvmsriov.plan.SubnetManagerView;
import org.kvmsriov.port.SubnetManager;
import org.kvmsriov.port.DomainInfo;
import org.kvmsriov.port.Lease;
import org.kvmsriov.port.LeaseOwner;
import org.kvmsriov.port.LeaseState;
import org.kvmsriov.port.LedgerState;
import org.kvmsriov.port.PciHostdev;
import org.kvmsriov.port.FabricView;

/** Reads everything a pass looks at, fresh, into an {@link Observation}. Reads only. */
public final class Observer {

  private Observer() {}

  /**
   * @param alive whether a lease owner's process still runs
   */
  public static Observation observe(HostState desired, FabricView fabric, LedgerState ledger,
      List<DomainInfo> domains, Predicate<LeaseOwner> alive, Instant now) {
    List<String> unreadable = new ArrayList<>();
    Map<PfName, List<PciAddress>> maps = new LinkedHashMap<>();
    Map<PciAddress, PfName> pfByAddress = new HashMap<>();
    for (PfSpec pf : desired.pfs()) {
      try {
        maps.put(pf.name(), fabric.vfMap(pf));
        pfByAddress.put(fabric.pfAddress(pf), pf.name());
      } catch (RuntimeException e) {
        unreadable.add("PF " + pf.name() + " cannot be read: " + e.getMessage());
      }
    }
    Set<PciAddress> mapped = new HashSet<>();
    maps.values().forEach(mapped::addAll);
    Map<PciAddress, PciAddress> foreign = new HashMap<>();
    Map<PciAddress, PfName> unmapped = new HashMap<>();
    for (DomainInfo d : domains) {
      for (PciHostdev h : d.hostdevs()) {
        if (!d.isActive() || mapped.contains(h.source())) {
          continue;
        }
        fabric.physfn(h.source()).ifPresent(pf -> {
          PfName declared = pfByAddress.get(pf);
          if (declared != null) {
            unmapped.put(h.source(), declared);
          } else {
            foreign.put(h.source(), pf);
          }
        });
      }
    }
    Map<PciAddress, Guid> guids = new HashMap<>();
    Map<PciAddress, OptionalInt> slots = new HashMap<>();
    Map<PfName, List<Optional<Pkey>>> tables = new HashMap<>();
    for (PfSpec pf : desired.pfs()) {
      if (!(pf.mode() instanceof Mode.MlnxOfed2) || !maps.containsKey(pf.name())) {
        continue;
      }
      try {
        fabric.portPkeys(pf).ifPresent(t -> tables.put(pf.name(), t));
        for (Lease l : ledger.leasesOf(pf.name())) {
          if (l.guid().isPresent()) {
            fabric.portGuid(pf, l.vfIndex()).ifPresent(g -> guids.put(l.vf(), g));
          }
          // every lease, not only those with a key: post may map one deploy left unmapped
          if (tables.containsKey(pf.name())) {
            slots.put(l.vf(), fabric.pkeySlot0(pf, l.vfIndex()));
          }
        }
      } catch (RuntimeException e) {
        unreadable.add("InfiniBand state of PF " + pf.name() + " cannot be read: " + e.getMessage());
      }
    }
    Set<LeaseOwner> dead = new HashSet<>();
    for (Lease l : ledger.leases().values()) {
      if (l.owner() instanceof LeaseOwner.Process && !alive.test(l.owner())) {
        dead.add(l.owner());
      }
    }
    return new Observation(desired, maps, ledger, domains, foreign, unmapped, guids, slots, tables, dead,
        now, unreadable);
  }

  /**
   * Asks each subnet manager a PF names which of this host's GUIDs it lists: the GUIDs of its
   * leases and its PFs' GUID pools. Not every GUID with kvm-sriov's MAC prefix: hosts sharing a
   * fabric share the prefix, so a host only ever sees (and takes out) members it can prove are its own.
   */
  public static Map<String, SubnetManagerView> subnetManagers(HostState desired, LedgerState ledger,
      Map<String, SubnetManager> sms) {
    Map<String, SubnetManagerView> out = new LinkedHashMap<>();
    for (PfSpec pf : desired.pfs()) {
      Optional<String> name = pf.subnetManager();
      if (name.isEmpty() || out.containsKey(name.get())) {
        continue;
      }
      SubnetManager sm = sms.get(name.get());
      if (sm == null) {
        out.put(name.get(), new SubnetManagerView.Unreachable("no adapter is configured for it"));
        continue;
      }
      List<PfSpec> served = desired.pfs().stream().filter(p -> p.subnetManager().equals(name)).toList();
      Set<Guid> leased = new HashSet<>();
      for (PfSpec p : served) {
        // a migrated lease's GUID is its destination's now: this host no longer speaks for it
        ledger.leasesOf(p.name()).stream().filter(l -> l.state() != LeaseState.MIGRATED)
            .forEach(l -> l.guid().filter(g -> !g.isUnset()).ifPresent(leased::add));
      }
      Predicate<Guid> ours = g -> !g.isUnset() && (leased.contains(g)
          || served.stream().anyMatch(p -> p.guidPool().map(pool -> pool.contains(g)).orElse(false)));
      try {
        out.put(name.get(), new SubnetManagerView.Members(sm.observe(ours)));
      } catch (RuntimeException e) {
        out.put(name.get(), new SubnetManagerView.Unreachable(e.getMessage() == null ? e.toString() : e.getMessage()));
      }
    }
    return out;
  }
}
