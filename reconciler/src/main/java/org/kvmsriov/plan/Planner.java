package org.kvmsriov.plan;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import org.kvmsriov.model.Guid;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.PfName;
import org.kvmsriov.model.Pkey;
import org.kvmsriov.model.Segment;
import org.kvmsriov.port.DomainInfo;
import org.kvmsriov.port.Lease;
import org.kvmsriov.port.LeaseState;
import org.kvmsriov.port.ParkedNic;
import org.kvmsriov.port.PciHostdev;
import org.kvmsriov.port.Membership;
import org.kvmsriov.port.PartitionMember;

/**
 * Decides what a pass does: a pure function from an {@link Observation} to a {@link Plan}.
 *
 * <p>Observed truth wins: a VF is in use when a running domain's XML holds it, whatever the
 * ledger says; the ledger records intent and ownership. Only VFs in host.yaml's maps are ever
 * touched; anything else is reported.
 *
 * <ol>
 *   <li>A VF held by two running domains is reported and left alone.
 *   <li>Each lease: held by its domain → confirmed if not yet attached, then checked for GUID and
 *       pkey drift (against the partition the network driver's {@code post} says its NIC asks
 *       for, when it has said); held by another domain → reported; its NIC let go by OpenNebula
 *       (the network driver's {@code clean}) → released at once; its running domain lost it →
 *       re-attached; otherwise (domain gone, stopped, or never got it) released once the grace
 *       period has passed — at once when the process that reserved it is dead. The grace counts
 *       from when a pass first saw the lease so (recorded in the ledger by the pass that applies
 *       its {@link Action.AwaitGrace}), not from the lease's age; until it ends the plan says how
 *       long it waits, and a lease that is no longer waiting has that time forgotten
 *       ({@link Action.EndGrace}).
 *   <li>Each VF a running domain holds without a lease → adopted if mapped, else reported.
 *   <li>Each parked NIC of a running domain → a free VF leased and attached.
 * </ol>
 */
public final class Planner {

  private Planner() {}

  public static Plan plan(Observation o) {
    return new Pass(o).run();
  }

  private static final class Pass {
    private final Observation o;
    private final Map<String, DomainInfo> domains = new TreeMap<>();
    private final Map<PciAddress, List<String>> holders = new HashMap<>();
    private final Map<PciAddress, PfName> mappedPf = new HashMap<>();
    private final Map<PciAddress, Integer> mappedIndex = new HashMap<>();
    private final Set<PciAddress> heldTwice = new HashSet<>();
    private final Set<PciAddress> claimed = new HashSet<>();
    private final List<Action> releases = new ArrayList<>();
    private final List<Action> confirms = new ArrayList<>();
    private final List<Action> attaches = new ArrayList<>();
    private final List<Action> programs = new ArrayList<>();
    private final List<Action> joins = new ArrayList<>();
    private final List<Action> leaves = new ArrayList<>();
    private final List<Action> reports = new ArrayList<>();
    private final List<Action> waits = new ArrayList<>();
    private final List<Action> graceEnds = new ArrayList<>();
    /** Leases whose domain does not hold them, past or inside their grace. */
    private final Set<org.kvmsriov.port.LeaseKey> unheld = new HashSet<>();
    private Optional<Duration> recheck = Optional.empty();

    Pass(Observation o) {
      this.o = o;
      for (DomainInfo d : o.domains()) {
        domains.put(d.name(), d);
        if (d.isActive()) {
          for (PciHostdev h : d.hostdevs()) {
            List<String> who = holders.computeIfAbsent(h.source(), k -> new ArrayList<>());
            if (!who.contains(d.name())) {
              who.add(d.name());
            }
          }
        }
      }
      o.vfMaps().forEach((pf, vfs) -> {
        for (int i = 0; i < vfs.size(); i++) {
          mappedPf.put(vfs.get(i), pf);
          mappedIndex.put(vfs.get(i), i);
        }
      });
    }

    Plan run() {
      holders.entrySet().stream().filter(e -> e.getValue().size() > 1)
          .sorted(Map.Entry.comparingByKey()).forEach(e -> {
            heldTwice.add(e.getKey());
            reports.add(new Action.Report(Action.ReportKind.VF_HELD_TWICE, Optional.empty(),
                "VF " + e.getKey() + " is in the XML of " + String.join(" and ", e.getValue())
                    + "; kvm-sriov will not choose between them"));
          });
      o.unreadable().forEach(u -> reports.add(new Action.Report(Action.ReportKind.UNOBSERVABLE, Optional.empty(), u)));
      o.ledger().leases().values().forEach(l -> {
        lease(l);
        graceOver(l);
      });
      unleasedHostdevs();
      parkedNics();
      o.subnetManagers().forEach(this::subnetManager);
      List<Action> all = new ArrayList<>();
      all.addAll(leaves); // a GUID leaves its partition before its lease is dropped
      all.addAll(releases);
      all.addAll(confirms);
      all.addAll(graceEnds);
      all.addAll(joins); // before the VF reaches its domain
      all.addAll(attaches);
      all.addAll(programs);
      all.addAll(waits);
      all.addAll(reports);
      return new Plan(all, recheck);
    }

    private void lease(Lease l) {
      claimed.add(l.vf());
      if (heldTwice.contains(l.vf())) {
        return;
      }
      List<String> who = holders.getOrDefault(l.vf(), List.of());
      boolean inMap = l.pf().equals(mappedPf.get(l.vf()));
      if (l.domain().isEmpty()) { // adopted from the add-on: holder unknown until seen
        if (who.size() == 1) {
          confirms.add(new Action.ConfirmLease(l, who.get(0)));
        } else {
          staleAfterGrace(l, "no running domain holds it (lease imported from the add-on)");
        }
        return;
      }
      String name = l.domain().get();
      DomainInfo dom = domains.get(name);
      boolean active = dom != null && dom.isActive();
      boolean live = !o.deadOwners().contains(l.owner());
      if (l.state().isLeaving()) {
        leaving(l, dom, who.contains(name), active, live);
        return;
      }
      if (who.contains(name)) {
        if (l.state() == LeaseState.RESERVED || l.state() == LeaseState.MIGRATING_IN) {
          confirms.add(new Action.ConfirmLease(l, name));
        }
        if (!inMap) {
          reports.add(new Action.Report(Action.ReportKind.LEASE_NOT_IN_MAP, l.domain(),
              "VF " + l.vf() + " of " + name + " is no longer in host.yaml's map of " + l.pf()
                  + "; left attached until the VM gives it up"));
        }
        drift(l, false);
        return;
      }
      if (!who.isEmpty()) {
        reports.add(new Action.Report(Action.ReportKind.HOLDER_DIFFERS, l.domain(),
            "VF " + l.vf() + " is leased to " + name + " but " + String.join(", ", who) + " holds it"));
        return;
      }
      if (o.notice().gone().contains(l.key())) {
        releases.add(new Action.ReleaseStaleLease(l, "OpenNebula's network driver let go of "
            + (active ? "this NIC of " : "") + name));
        return;
      }
      boolean fresh = l.state() == LeaseState.RESERVED || l.state() == LeaseState.MIGRATING_IN;
      if (fresh && live) {
        // a request is bringing this VF to its domain: the identity first, then the device (an
        // incoming migration's VF waits for the domain to arrive: migrate_in_attach)
        if (active && l.state() == LeaseState.RESERVED) {
          attaches.add(new Action.AttachVf(l, decision(l), newNic(l)));
        } else {
          drift(l, true);
        }
        return;
      }
      // A migration that moved the domain here but could not attach its VFs left MIGRATING_IN
      // leases: the domain should hold them, as with a VF detached behind our back.
      if (active && (l.state() == LeaseState.ATTACHED || l.state() == LeaseState.MIGRATING_IN)) {
        reattach(l, inMap, name);
        return;
      }
      if (l.state() == LeaseState.RESERVED && !live) {
        releases.add(new Action.ReleaseStaleLease(l, "the process that reserved it died before "
            + name + (dom == null ? " was created" : " took it")));
        return;
      }
      staleAfterGrace(l, dom == null ? "domain " + name + " does not exist"
          : !active ? "domain " + name + " is not running" : "domain " + name + " runs without it");
    }

    /**
     * A lease a request is taking away from its domain (save, migration, NIC detach, shutdown):
     * while the request lives, its VF is detached and, when the request gives it back, released;
     * once the request is gone, what it left half-done is undone (a VF still held is kept, one a
     * running domain lost is attached again) or finished (a release).
     */
    private void leaving(Lease l, DomainInfo dom, boolean held, boolean active, boolean live) {
      String name = l.domain().orElseThrow();
      if (held && live) {
        PciHostdev device = dom.hostdevs().stream().filter(h -> h.source().equals(l.vf())).findFirst().orElseThrow();
        attaches.add(new Action.DetachVf(l, device, l.state() == LeaseState.RELEASING));
      } else if (held) {
        confirms.add(new Action.ConfirmLease(l, name));
      } else if (l.state().isGivenBack()) {
        releases.add(new Action.ReleaseStaleLease(l, live ? "given back by the driver action on " + name
            : "the driver action that was giving it back from " + name + " ended"));
      } else if (!live && active) {
        reattach(l, l.pf().equals(mappedPf.get(l.vf())), name);
      } else if (!live) {
        staleAfterGrace(l, dom == null ? "domain " + name + " does not exist" : "domain " + name + " is not running");
      }
      // otherwise (detaching or migrating out, request alive, VF off the domain): the request carries on
    }

    private void reattach(Lease l, boolean inMap, String name) {
      if (inMap) {
        attaches.add(new Action.ReattachVf(l));
      } else {
        reports.add(new Action.Report(Action.ReportKind.LEASE_NOT_IN_MAP, l.domain(),
            "VF " + l.vf() + " left " + name + " and is no longer in host.yaml; not re-attached"));
      }
    }

    /** Whether a reserved lease is a NIC new to its domain (hot-plug), rather than one restored. */
    private boolean newNic(Lease l) {
      return o.ledger().parked().stream().noneMatch(p -> p.restoredBy(l));
    }

    /**
     * Releases a lease whose domain does not hold it once its grace period, counted from when a
     * pass first saw it so (this pass, when none has), has ended; until then, plans the wait.
     */
    private void staleAfterGrace(Lease l, String why) {
      unheld.add(l.key());
      java.time.Instant since = l.unheldSince().orElse(o.now());
      // a clock set back before the first sighting counts as no time passed, not as a negative one
      Duration seen = Duration.between(since, o.now());
      Duration unheldFor = seen.isNegative() ? Duration.ZERO : seen;
      if (unheldFor.compareTo(o.grace()) >= 0) {
        releases.add(new Action.ReleaseStaleLease(l, why + " (for " + unheldFor.toSeconds() + " s)"));
      } else {
        Duration left = o.grace().minus(unheldFor);
        waits.add(new Action.AwaitGrace(l, since, left, why));
        recheck = Optional.of(recheck.filter(r -> r.compareTo(left) < 0).orElse(left));
      }
    }

    /**
     * A lease a pass had seen without its domain that is not waiting any more (its domain holds
     * it again, another holds it, a request is moving it): its first sighting is forgotten, so a
     * later absence gets a whole grace period. A lease being released needs nothing.
     */
    private void graceOver(Lease l) {
      if (l.unheldSince().isEmpty() || unheld.contains(l.key())) {
        return;
      }
      boolean released = releases.stream().anyMatch(a -> ((Action.ReleaseStaleLease) a).lease().key().equals(l.key()));
      if (released) {
        return;
      }
      List<String> who = holders.getOrDefault(l.vf(), List.of());
      String name = l.domain().orElse("");
      DomainInfo dom = domains.get(name);
      String why = who.contains(name) ? name + " holds it again"
          : !who.isEmpty() ? String.join(" and ", who) + (who.size() == 1 ? " holds" : " hold") + " it"
          : dom != null && dom.isActive() ? name + " runs again"
          : "a request is moving it (" + l.state().jsonName() + ")";
      graceEnds.add(new Action.EndGrace(l, why));
    }

    /**
     * @param preparing the lease's VF is not in its domain yet: a GUID that cannot be read back is
     *     programmed too, and a partition only the subnet manager can grant is reported
     */
    private void drift(Lease l, boolean preparing) {
      l.guid().ifPresent(want -> {
        Guid seen = o.guids().get(l.vf());
        if (seen == null ? preparing : !seen.equals(want)) {
          programs.add(new Action.ProgramGuid(l, want, seen == null ? "nothing it can read back" : seen.shown()));
        }
      });
      Optional<PartitionDecision> d = decision(l);
      if (d.isPresent()) {
        partition(l, d.get());
      } else if (preparing && o.portPkeys().get(l.pf()) == null && l.guid().isPresent()
          && o.desired().pf(l.pf()).flatMap(org.kvmsriov.model.PfSpec::subnetManager).isEmpty()
          && l.partitionAsked().orElse(Segment.UNTAGGED) instanceof Segment.Partition p) {
        reports.add(new Action.Report(Action.ReportKind.SUBNET_MANAGER, l.domain(), l.pf()
            + " has no per-VF pkey tables (mlx5): partition " + p.number() + " must be granted to GUID "
            + l.guid().get() + " by the subnet manager"));
      }
    }

    /**
     * Where the VF's virtual pkey index 0 should point: at the partition {@code post} says the
     * NIC asks for, else at the key the lease records (or {@code none} when it records a block),
     * else at the partition its segment asks for. Empty when there is nothing to map: no per-VF
     * pkey table on this HCA (mlx5: the subnet manager owns partitions), nothing asked, or a
     * recorded key gone from the port's table (reported).
     */
    private Optional<PartitionDecision> decision(Lease l) {
      List<Optional<Pkey>> table = o.portPkeys().get(l.pf());
      if (table == null || o.pkeySlot0().get(l.vf()) == null) {
        return Optional.empty();
      }
      Segment asked = o.notice().partitions().get(l.key());
      List<Pkey> allowed = o.desired().pf(l.pf()).map(org.kvmsriov.model.PfSpec::pkeys).orElse(List.of());
      if (asked != null) {
        return Optional.of(PartitionDecision.decide(asked, table, allowed));
      }
      if (l.pkey().isEmpty()) {
        return l.segment().map(seg -> PartitionDecision.decide(seg, table, allowed));
      }
      if (l.pkey().get().equals(Pkey.BLOCKED)) {
        return Optional.of(new PartitionDecision.Blocked("its partition was not found when it was mapped"));
      }
      int index = table.indexOf(l.pkey());
      if (index < 0) {
        reports.add(new Action.Report(Action.ReportKind.PARTITION_BLOCKED, l.domain(),
            "pkey " + l.pkey().get() + " of " + l.domain().orElse("?") + " is gone from " + l.pf()
                + "'s port table; its VF cannot reach the partition"));
        return Optional.empty();
      }
      return Optional.of(new PartitionDecision.Mapped(index, l.pkey().get()));
    }

    /** Plans the write that makes the VF's pkey index 0 what {@code want} says, if it differs. */
    private void partition(Lease l, PartitionDecision want) {
      OptionalInt slot = o.pkeySlot0().get(l.vf());
      String seen = slot.isEmpty() ? "none" : "port index " + slot.getAsInt();
      if (want instanceof PartitionDecision.Mapped m) {
        if (!slot.equals(OptionalInt.of(m.physicalIndex())) || !l.pkey().equals(Optional.of(m.pkey()))) {
          programs.add(new Action.MapPkey(l, m.pkey(), m.physicalIndex(), seen));
        }
      } else if (want instanceof PartitionDecision.Blocked b
          && (slot.isPresent() || !l.pkey().equals(Optional.of(Pkey.BLOCKED)))) {
        programs.add(new Action.BlockPartition(l, b.reason(), seen));
      }
    }

    /** The partition a lease's GUID belongs in at subnet manager {@code sm}, if it names one. */
    private Optional<Pkey> membership(Lease l, String sm) {
      if (l.guid().isEmpty() || l.guid().get().isUnset() || l.state() == LeaseState.MIGRATED
          || !o.desired().pf(l.pf()).flatMap(org.kvmsriov.model.PfSpec::subnetManager).equals(Optional.of(sm))) {
        return Optional.empty();
      }
      Segment asked = o.notice().partitions().get(l.key());
      Segment seg = asked != null ? asked : l.partitionAsked().orElse(Segment.UNTAGGED);
      return seg instanceof Segment.Partition p ? Optional.of(new Pkey(p.number())) : Optional.empty();
    }

    /**
     * Each lease's GUID a full member of its partition, and no GUID of this host's anywhere no
     * lease (or only one being released) wants it. An SM that cannot be asked is reported; a
     * request preparing a VF still tries to join (and fails, so the request fails cleanly), and a
     * lease whose GUID may still be listed is kept until the SM answers, so nothing is left behind.
     */
    private void subnetManager(String sm, SubnetManagerView view) {
      Set<org.kvmsriov.port.LeaseKey> released = new HashSet<>();
      releases.forEach(a -> released.add(((Action.ReleaseStaleLease) a).lease().key()));
      Map<Guid, Lease> byGuid = new HashMap<>();
      Map<Lease, Pkey> wanted = new java.util.LinkedHashMap<>();
      Map<Lease, Pkey> leaving = new java.util.LinkedHashMap<>();
      Set<Guid> handedOver = new HashSet<>(); // migrated away: the destination's membership now
      for (Lease l : o.ledger().leases().values()) {
        if (l.state() == LeaseState.MIGRATED) {
          l.guid().ifPresent(handedOver::add);
        }
        membership(l, sm).ifPresent(key -> {
          byGuid.put(l.guid().get(), l);
          (released.contains(l.key()) || offItsDomain(l) ? leaving : wanted).put(l, key);
        });
      }
      if (view instanceof SubnetManagerView.Unreachable u) {
        reports.add(new Action.Report(Action.ReportKind.SUBNET_MANAGER, Optional.empty(),
            "subnet manager " + sm + " cannot be asked: " + u.reason() + "; asked again next pass"));
        wanted.forEach((l, key) -> {
          if (preparing(l) && joinsNow(l)) {
            joins.add(new Action.JoinPartition(l, sm, key));
          }
        });
        leaving.keySet().forEach(l -> {
          releases.removeIf(a -> ((Action.ReleaseStaleLease) a).lease().key().equals(l.key()));
          reports.add(new Action.Report(Action.ReportKind.SUBNET_MANAGER, l.domain(), "lease of " + l.pf() + " VF "
              + l.vfIndex() + " kept until subnet manager " + sm + " can take GUID " + l.guid().get() + " out"));
        });
        return;
      }
      List<PartitionMember> members = ((SubnetManagerView.Members) view).members();
      wanted.forEach((l, key) -> {
        boolean full = members.stream().anyMatch(m -> m.partition().equals(key) && m.guid().equals(l.guid().get())
            && m.membership() != Membership.LIMITED);
        if (!full && joinsNow(l)) {
          joins.add(new Action.JoinPartition(l, sm, key));
        }
      });
      for (PartitionMember m : members) {
        if (handedOver.contains(m.guid()) && !byGuid.containsKey(m.guid())) {
          continue;
        }
        Lease owner = byGuid.get(m.guid());
        boolean want = owner != null && m.partition().equals(wanted.get(owner));
        if (m.managed() && !want) {
          leaves.add(new Action.LeavePartition(sm, m.partition(), m.guid(),
              owner == null ? Optional.empty() : owner.domain(),
              owner == null ? "no lease holds it" : leaving.containsKey(owner)
                  ? (released.contains(owner.key()) ? "its lease is being released" : "its VF has left " + owner
                      .domain().orElse("its domain"))
                  : "its lease asks for " + Optional.ofNullable(wanted.get(owner)).map(Pkey::toString).orElse("no partition")));
        }
      }
    }

    /**
     * A request is taking the lease's VF away (save, migration, NIC detach) and the domain no
     * longer holds it: its GUID leaves the partition now, before a migrated domain's destination
     * makes the same GUID a member (the destination joins only once the domain has arrived).
     */
    private boolean offItsDomain(Lease l) {
      return l.state().isLeaving() && !o.deadOwners().contains(l.owner())
          && !holders.getOrDefault(l.vf(), List.of()).contains(l.domain().orElse(""));
    }

    /**
     * Whether the lease's GUID joins its partition now: not while a request takes it away, nor on
     * an incoming migration's destination before the domain has arrived (its source still has the
     * GUID in the partition, and takes it out when the VF has left the domain there).
     */
    private boolean joinsNow(Lease l) {
      if (l.state().isLeaving()) {
        return false;
      }
      DomainInfo d = l.state() == LeaseState.MIGRATING_IN ? domains.get(l.domain().orElse("")) : null;
      return l.state() != LeaseState.MIGRATING_IN || d != null && d.isActive();
    }

    /** A request is bringing the lease's VF to its domain (deploy, restore, hot-plug, incoming migration). */
    private boolean preparing(Lease l) {
      return (l.state() == LeaseState.RESERVED || l.state() == LeaseState.MIGRATING_IN)
          && !o.deadOwners().contains(l.owner());
    }

    private void unleasedHostdevs() {
      for (DomainInfo d : domains.values()) {
        if (!d.isActive()) {
          continue;
        }
        for (PciHostdev h : d.hostdevs()) {
          PciAddress vf = h.source();
          if (claimed.contains(vf) || heldTwice.contains(vf)) {
            continue;
          }
          PfName pf = mappedPf.get(vf);
          if (pf != null) {
            claimed.add(vf);
            confirms.add(new Action.AdoptUntrackedVf(pf, mappedIndex.get(vf), vf, d.name()));
          } else if (o.unmappedVfOf().containsKey(vf)) {
            reports.add(new Action.Report(Action.ReportKind.VF_OUTSIDE_MAPS, Optional.of(d.name()),
                d.name() + " holds VF " + vf + " of " + o.unmappedVfOf().get(vf)
                    + ", which host.yaml's VF map does not list"));
          } else if (o.foreignPfOf().containsKey(vf)) {
            reports.add(new Action.Report(Action.ReportKind.UNDECLARED_PF, Optional.of(d.name()),
                d.name() + " holds VF " + vf + " of PF " + o.foreignPfOf().get(vf)
                    + ", which host.yaml does not declare"));
          }
        }
      }
    }

    private void parkedNics() {
      List<ParkedNic> parked = new ArrayList<>(o.ledger().parked());
      parked.sort(Comparator.comparing(ParkedNic::domain).thenComparingInt(ParkedNic::position));
      for (ParkedNic nic : parked) {
        DomainInfo d = domains.get(nic.domain());
        if (d == null || !d.isActive()) {
          continue; // saved or migrated away: the identity waits for its restore
        }
        if (o.ledger().leases().values().stream().anyMatch(nic::restoredBy)) {
          continue; // a restore has leased its VF and is attaching it
        }
        List<PciAddress> vfs = o.vfMaps().getOrDefault(nic.pf(), List.of());
        int free = -1;
        for (int i = 0; i < vfs.size(); i++) {
          if (!claimed.contains(vfs.get(i)) && !holders.containsKey(vfs.get(i))) {
            free = i;
            break;
          }
        }
        if (free < 0) {
          reports.add(new Action.Report(Action.ReportKind.NO_FREE_VF, Optional.of(nic.domain()),
              "no free VF on " + nic.pf() + " for " + nic.domain() + "'s parked NIC " + nic.position()));
          continue;
        }
        claimed.add(vfs.get(free));
        attaches.add(new Action.RestoreParkedNic(nic, free, vfs.get(free)));
      }
    }
  }
}
