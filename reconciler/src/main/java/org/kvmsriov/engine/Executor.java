package org.kvmsriov.engine;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.kvmsriov.opennebula.DomainXmlWriter;
import org.kvmsriov.opennebula.SriovNic;
import org.kvmsriov.lease.LeaseAllocator;
import org.kvmsriov.model.Guid;
import org.kvmsriov.model.HostState;
import org.kvmsriov.model.Mode;
import org.kvmsriov.model.PfSpec;
import org.kvmsriov.model.Pkey;
import org.kvmsriov.model.Segment;
import org.kvmsriov.model.VfReset;
import org.kvmsriov.model.VmId;
import org.kvmsriov.plan.Action;
import org.kvmsriov.plan.PartitionDecision;
import org.kvmsriov.port.HistoryEntry;
import org.kvmsriov.port.Hypervisor;
import org.kvmsriov.port.Lease;
import org.kvmsriov.port.LeaseOwner;
import org.kvmsriov.port.LeaseState;
import org.kvmsriov.port.LedgerSession;
import org.kvmsriov.port.LedgerState;
import org.kvmsriov.port.ParkedNic;
import org.kvmsriov.port.FabricView;
import org.kvmsriov.port.Membership;
import org.kvmsriov.port.SubnetManager;
import org.kvmsriov.model.NicIdentity;

/**
 * Applies actions, one at a time, committing the ledger after each so a crash between two
 * actions loses neither. An action that fails leaves the ledger as it was before it; the next
 * pass plans it again.
 */
final class Executor implements Action.Visitor<Outcome.Status> {

  private final HostState desired;
  private final Hypervisor hypervisor;
  private final FabricView fabric;
  private final LedgerSession session;
  private final LeaseOwner self;
  private final Clock clock;
  private final Duration detachTimeout;
  private final java.util.Map<String, SubnetManager> subnetManagers;

  /**
   * @param self the owner of leases the pass takes (adopted VFs, restored parked NICs)
   * @param detachTimeout how long a detach waits for the guest to let the device go
   */
  Executor(HostState desired, Hypervisor hypervisor, FabricView fabric, LedgerSession session, LeaseOwner self,
      Clock clock, Duration detachTimeout, java.util.Map<String, SubnetManager> subnetManagers) {
    this.desired = desired;
    this.hypervisor = hypervisor;
    this.fabric = fabric;
    this.session = session;
    this.self = self;
    this.clock = clock;
    this.detachTimeout = detachTimeout;
    this.subnetManagers = subnetManagers;
  }

  Outcome apply(Action a) {
    try {
      return new Outcome(a, a.accept(this), "");
    } catch (RuntimeException e) {
      return new Outcome(a, Outcome.Status.FAILED, e.getMessage() == null ? e.toString() : e.getMessage());
    }
  }

  private PfSpec pf(Lease l) {
    return desired.pf(l.pf()).orElseThrow(() -> new IllegalStateException("PF " + l.pf() + " is not declared"));
  }

  private void commit(LedgerState next) {
    session.commit(next);
  }

  private Instant now() {
    return clock.instant();
  }

  @Override
  public Outcome.Status release(Action.ReleaseStaleLease a) {
    Lease l = session.state().lease(a.lease().key()).orElse(null);
    if (l == null) {
      return Outcome.Status.DONE; // released meanwhile
    }
    desired.pf(l.pf()).ifPresent(pf -> reset(pf, l));
    commit(session.state().without(l.key())
        .record(new HistoryEntry(now(), "release", l.key(), l.domain().orElse(""), a.reason())));
    return Outcome.Status.DONE;
  }

  @Override
  public Outcome.Status confirm(Action.ConfirmLease a) {
    Lease l = session.state().lease(a.lease().key()).orElseThrow(() -> new IllegalStateException("lease vanished"));
    Lease confirmed = l.withDomain(a.domainName(), vmIdOf(a.domainName()), now())
        .withState(LeaseState.ATTACHED, now());
    commit(unparkRestored(session.state().with(confirmed), confirmed)
        .record(new HistoryEntry(now(), "confirm", l.key(), a.domainName(), "the domain holds the VF")));
    return Outcome.Status.DONE;
  }

  @Override
  public Outcome.Status adopt(Action.AdoptUntrackedVf a) {
    Lease l = Lease.reserve(a.pf(), a.vf(), a.vfIndex(), a.domainName(), vmIdOf(a.domainName()), self, now())
        .withState(LeaseState.ATTACHED, now());
    commit(session.state().with(l)
        .record(new HistoryEntry(now(), "adopt", l.key(), a.domainName(), "held without a lease")));
    return Outcome.Status.DONE;
  }

  @Override
  public Outcome.Status reattach(Action.ReattachVf a) {
    Lease l = a.lease();
    PfSpec pf = pf(l);
    if (pf.mode() instanceof Mode.MlnxOfed2) {
      l.guid().ifPresent(g -> program(pf, l.vfIndex(), g));
    }
    hypervisor.attachDevice(l.domain().orElseThrow(), LeaseIdentity.deviceXml(pf, l));
    commit(session.state().with(l.withState(LeaseState.ATTACHED, now()))
        .record(new HistoryEntry(now(), "reattach", l.key(), l.domain().orElseThrow(), "detached behind our back")));
    return Outcome.Status.DONE;
  }

  @Override
  public Outcome.Status attach(Action.AttachVf a) {
    Lease l = session.state().lease(a.lease().key()).orElseThrow(() -> new IllegalStateException("lease vanished"));
    PfSpec pf = pf(l);
    String domain = l.domain().orElseThrow();
    if (a.partition().isPresent()) {
      l = recordPkey(l, LeaseIdentity.recorded(a.partition().get()), "map-pkey", "partition for attach");
    }
    l.guid().ifPresent(g -> program(pf, a.lease().vfIndex(), g));
    a.partition().ifPresent(d -> apply(pf, a.lease().vfIndex(), d));
    hypervisor.attachDevice(domain, LeaseIdentity.deviceXml(pf, l));
    if (a.newNic() && pf.mode() instanceof Mode.Generic) {
      try {
        hypervisor.attachDevice(domain, DomainXmlWriter.dummyXml(desired.driver(), l.mac().orElseThrow()));
      } catch (RuntimeException e) {
        hypervisor.detachDevice(domain, LeaseIdentity.deviceXml(pf, l), detachTimeout);
        throw e;
      }
    }
    Lease attached = l.withState(LeaseState.ATTACHED, now());
    commit(unparkRestored(session.state().with(attached), attached)
        .record(new HistoryEntry(now(), "attach", l.key(), domain, l.alias().orElse("VF") + " attached")));
    return Outcome.Status.DONE;
  }

  @Override
  public Outcome.Status detach(Action.DetachVf a) {
    Lease l = a.lease();
    PfSpec pf = pf(l);
    String domain = l.domain().orElseThrow();
    hypervisor.detachDevice(domain, DomainXmlWriter.deviceXml(l.vf(), a.device().alias()
        .orElse(LeaseIdentity.alias(pf, l)), pf.mode(), l.mac(), a.device().vlan()), detachTimeout);
    if (a.nicLeaves() && pf.mode() instanceof Mode.Generic && l.mac().isPresent()) {
      hypervisor.detachDevice(domain, DomainXmlWriter.dummyXml(desired.driver(), l.mac().get()), detachTimeout);
    }
    commit(session.state().record(new HistoryEntry(now(), "detach", l.key(), domain, l.state().jsonName())));
    return Outcome.Status.DONE;
  }

  /** A restored NIC is no longer parked once its VF is in the domain. */
  private static LedgerState unparkRestored(LedgerState st, Lease attached) {
    List<ParkedNic> rest = st.parked().stream().filter(p -> !p.restoredBy(attached)).toList();
    return rest.size() == st.parked().size() ? st : new LedgerState(st.leases(), rest, st.history());
  }

  @Override
  public Outcome.Status restoreParked(Action.RestoreParkedNic a) {
    ParkedNic nic = a.nic();
    PfSpec pf = desired.pf(nic.pf()).orElseThrow(() -> new IllegalStateException("PF " + nic.pf() + " is not declared"));
    Optional<Guid> guid = LeaseAllocator.guid(pf, session.state(), NicIdentity.parked(pf.mode(), nic.mac()).guid());
    // The VF's GUID as found and the partition it will get, recorded before either is written,
    // so release can put the VF back.
    Optional<Guid> original = guid.isPresent() ? fabric.portGuid(pf, a.vfIndex()) : Optional.empty();
    Segment asked = nic.pkey().isPresent() || nic.segment().isEmpty() ? Segment.recorded(nic.pkey())
        : nic.segment().get();
    Optional<PartitionDecision> partition = guid.isPresent()
        ? LeaseIdentity.decide(fabric, pf, asked) : Optional.empty();
    Lease l = Lease.reserve(nic.pf(), a.vf(), a.vfIndex(), nic.domain(), vmIdOf(nic.domain()), self, now())
        .withIdentity(Optional.of(nic.mac()), guid, original,
            partition.isPresent() ? Optional.of(LeaseIdentity.recorded(partition.get())) : nic.pkey(), now())
        .withDevice(nic.segment(), Optional.of(SriovNic.aliasFor(nic.position())), now());
    commit(session.state().with(l)); // leased before libvirt is asked anything
    try {
      guid.ifPresent(g -> program(pf, a.vfIndex(), g));
      partition.ifPresent(d -> apply(pf, a.vfIndex(), d));
      hypervisor.attachDevice(nic.domain(), LeaseIdentity.deviceXml(pf, l));
    } catch (RuntimeException e) {
      reset(pf, l);
      commit(session.state().without(l.key()));
      throw e;
    }
    LedgerState s = session.state();
    List<ParkedNic> rest = s.parked().stream().filter(p -> !p.equals(nic)).toList();
    commit(new LedgerState(s.leases(), rest, s.history()).with(l.withState(LeaseState.ATTACHED, now()))
        .record(new HistoryEntry(now(), "restore-parked", l.key(), nic.domain(), "parked NIC " + nic.position())));
    return Outcome.Status.DONE;
  }

  @Override
  public Outcome.Status programGuid(Action.ProgramGuid a) {
    program(pf(a.lease()), a.lease().vfIndex(), a.guid());
    return Outcome.Status.DONE;
  }

  @Override
  public Outcome.Status mapPkey(Action.MapPkey a) {
    // recorded before it is written, so a release after a crash resets it
    recordPkey(a.lease(), a.pkey(), "map-pkey", "partition " + a.pkey());
    fabric.mapPkey(pf(a.lease()), a.lease().vfIndex(), OptionalInt.of(a.physicalIndex()));
    return Outcome.Status.DONE;
  }

  @Override
  public Outcome.Status blockPartition(Action.BlockPartition a) {
    recordPkey(a.lease(), Pkey.BLOCKED, "block-partition", a.reason());
    fabric.mapPkey(pf(a.lease()), a.lease().vfIndex(), OptionalInt.empty());
    return Outcome.Status.DONE;
  }

  /**
   * Records the key a VF now reaches when it differs from the lease's (a partition the network
   * driver's post learnt), so later passes keep it and release resets it.
   */
  private Lease recordPkey(Lease planned, Pkey key, String what, String why) {
    Lease l = session.state().lease(planned.key()).orElse(planned);
    if (l.pkey().equals(Optional.of(key))) {
      return l;
    }
    Lease next = l.withIdentity(l.mac(), l.guid(), l.originalGuid(), Optional.of(key), now());
    commit(session.state().with(next).record(new HistoryEntry(now(), what, l.key(), l.domain().orElse(""), why)));
    return next;
  }

  @Override
  public Outcome.Status joinPartition(Action.JoinPartition a) {
    Guid guid = a.lease().guid().filter(g -> !g.isUnset())
        .orElseThrow(() -> new IllegalStateException("lease of " + a.lease().vf() + " has no GUID to join"));
    subnetManager(a.subnetManager()).add(a.partition(), guid, Membership.FULL);
    return Outcome.Status.DONE;
  }

  @Override
  public Outcome.Status leavePartition(Action.LeavePartition a) {
    subnetManager(a.subnetManager()).remove(a.partition(), a.guid());
    return Outcome.Status.DONE;
  }

  private SubnetManager subnetManager(String name) {
    SubnetManager sm = subnetManagers.get(name);
    if (sm == null) {
      throw new IllegalStateException("subnet manager " + name + " is not configured");
    }
    return sm;
  }

  /** Records when the lease was first seen without its domain, if no pass has; nothing else. */
  @Override
  public Outcome.Status awaitGrace(Action.AwaitGrace a) {
    session.state().lease(a.lease().key()).filter(l -> l.unheldSince().isEmpty()).ifPresent(l ->
        commit(session.state().with(l.withUnheldSince(Optional.of(a.since())))
            .record(new HistoryEntry(now(), "unheld", l.key(), l.domain().orElse(""), a.why()
                + "; released after " + desired.reconcile().staleLeaseGrace().toSeconds() + " s unless held again"))));
    return Outcome.Status.WAITING;
  }

  @Override
  public Outcome.Status endGrace(Action.EndGrace a) {
    session.state().lease(a.lease().key()).filter(l -> l.unheldSince().isPresent()).ifPresent(l ->
        commit(session.state().with(l.withUnheldSince(Optional.empty()))
            .record(new HistoryEntry(now(), "held-again", l.key(), l.domain().orElse(""), a.reason()))));
    return Outcome.Status.DONE;
  }

  @Override
  public Outcome.Status report(Action.Report a) {
    return Outcome.Status.REPORTED;
  }

  /**
   * Puts back what we programmed on a VF before it is free for the next VM: on InfiniBand the GUID
   * found at reservation (or none) and the default pkey map where the HCA has per-VF tables; then,
   * when host.yaml asks for it, a function-level reset. Any step that fails throws, so the lease
   * stays for the next pass to try again.
   */
  private void reset(PfSpec pf, Lease l) {
    if (pf.mode() instanceof Mode.MlnxOfed2) {
      if (l.guid().isPresent()) {
        restoreGuid(pf, l);
      }
      if (l.pkey().isPresent() && fabric.portPkeys(pf).isPresent()) {
        fabric.resetPkey(pf, l.vfIndex());
      }
    }
    if (pf.reset() == VfReset.FLR) {
      fabric.resetFunction(l.vf());
    }
  }

  /**
   * Writes {@code guid} and reads it back where the interface can: a VF that shows another GUID
   * afterwards fails the action (the next pass sees the drift and programs it again), never a
   * silent success.
   */
  private void program(PfSpec pf, int vfIndex, Guid guid) {
    if (guid.isUnset()) {
      throw new IllegalArgumentException("GUID " + guid + " means 'unset' to the HCA and the subnet manager;"
          + " not programmed on " + pf.name() + " VF " + vfIndex);
    }
    fabric.programGuid(pf, vfIndex, guid);
    fabric.portGuid(pf, vfIndex).filter(seen -> !seen.equals(guid)).ifPresent(seen -> {
      throw new IllegalStateException(pf.name() + " VF " + vfIndex + " reads back GUID " + seen.shown()
          + " after " + guid + " was written: the write did not take");
    });
  }

  /** The GUID recorded before we changed it put back (an unset one: cleared), and read back. */
  private void restoreGuid(PfSpec pf, Lease l) {
    Optional<Guid> original = l.originalGuid().filter(g -> !g.isUnset());
    fabric.resetGuid(pf, l.vfIndex(), original);
    fabric.portGuid(pf, l.vfIndex())
        .filter(seen -> original.isPresent() ? !seen.equals(original.get()) : !seen.isUnset())
        .ifPresent(seen -> {
          throw new IllegalStateException(pf.name() + " VF " + l.vfIndex() + " reads back GUID " + seen.shown()
              + " after " + original.map(g -> "its original " + g).orElse("clearing it") + " was written back");
        });
  }

  /** Writes a decision into the VF's virtual pkey table (index 0, or {@code none} when blocked). */
  private void apply(PfSpec pf, int vfIndex, PartitionDecision d) {
    fabric.mapPkey(pf, vfIndex, d instanceof PartitionDecision.Mapped m ? OptionalInt.of(m.physicalIndex())
        : OptionalInt.empty());
  }

  static OptionalInt vmIdOf(String domain) {
    return VmId.ofDomain(domain).map(id -> OptionalInt.of(id.value())).orElse(OptionalInt.empty());
  }

}
