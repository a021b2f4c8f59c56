package org.kvmsriov.engine;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.kvmsriov.opennebula.DomainXmlWriter;
import org.kvmsriov.opennebula.SriovNic;
import org.kvmsriov.model.Guid;
import org.kvmsriov.model.HostState;
import org.kvmsriov.model.Mode;
import org.kvmsriov.model.PfSpec;
import org.kvmsriov.model.Pkey;
import org.kvmsriov.plan.Action;
import org.kvmsriov.plan.PartitionDecision;
import org.kvmsriov.plan.PartitionRequest;
import org.kvmsriov.port.HistoryEntry;
import org.kvmsriov.port.Hypervisor;
import org.kvmsriov.port.Lease;
import org.kvmsriov.port.LeaseOwner;
import org.kvmsriov.port.LeaseState;
import org.kvmsriov.port.LedgerSession;
import org.kvmsriov.port.LedgerState;
import org.kvmsriov.port.ParkedNic;
import org.kvmsriov.port.FabricView;

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

  Executor(HostState desired, Hypervisor hypervisor, FabricView fabric, LedgerSession session, LeaseOwner self,
      Clock clock) {
    this.desired = desired;
    this.hypervisor = hypervisor;
    this.fabric = fabric;
    this.session = session;
    this.self = self;
    this.clock = clock;
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
    desired.pf(l.pf()).ifPresent(pf -> LeaseIdentity.reset(fabric, pf, l));
    commit(session.state().without(l.key())
        .record(new HistoryEntry(now(), "release", l.key(), l.domain().orElse(""), a.reason())));
    return Outcome.Status.DONE;
  }

  @Override
  public Outcome.Status confirm(Action.ConfirmLease a) {
    Lease l = session.state().lease(a.lease().key()).orElseThrow(() -> new IllegalStateException("lease vanished"));
    Lease confirmed = l.withDomain(a.domainName(), vmIdOf(a.domainName()), now())
        .withState(LeaseState.ATTACHED, now());
    commit(session.state().with(confirmed)
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
      l.guid().ifPresent(g -> fabric.programGuid(pf, l.vfIndex(), g));
    }
    hypervisor.attachDevice(l.domain().orElseThrow(),
        DomainXmlWriter.deviceXml(l.vf(), LeaseIdentity.alias(pf, l), pf.mode(), l.mac(), OptionalInt.empty()));
    commit(session.state().with(l.withState(LeaseState.ATTACHED, now()))
        .record(new HistoryEntry(now(), "reattach", l.key(), l.domain().orElseThrow(), "detached behind our back")));
    return Outcome.Status.DONE;
  }

  @Override
  public Outcome.Status restoreParked(Action.RestoreParkedNic a) {
    ParkedNic nic = a.nic();
    PfSpec pf = desired.pf(nic.pf()).orElseThrow(() -> new IllegalStateException("PF " + nic.pf() + " is not declared"));
    Optional<Guid> guid = NicIdentity.parked(pf.mode(), nic.mac()).guid();
    // The VF's GUID as found and the partition it will get, recorded before either is written,
    // so release can put the VF back.
    Optional<Guid> original = guid.isPresent() ? fabric.portGuid(pf, a.vfIndex()) : Optional.empty();
    Optional<PartitionDecision> partition = guid.isPresent()
        ? LeaseIdentity.decide(fabric, pf, PartitionRequest.recorded(nic.pkey())) : Optional.empty();
    Lease l = Lease.reserve(nic.pf(), a.vf(), a.vfIndex(), nic.domain(), vmIdOf(nic.domain()), self, now())
        .withIdentity(Optional.of(nic.mac()), guid, original,
            partition.isPresent() ? Optional.of(LeaseIdentity.recorded(partition.get())) : nic.pkey(), now());
    commit(session.state().with(l)); // leased before libvirt is asked anything
    try {
      guid.ifPresent(g -> fabric.programGuid(pf, a.vfIndex(), g));
      partition.ifPresent(d -> LeaseIdentity.apply(fabric, pf, a.vfIndex(), d));
      hypervisor.attachDevice(nic.domain(), DomainXmlWriter.deviceXml(a.vf(), SriovNic.aliasFor(nic.position()),
          pf.mode(), Optional.of(nic.mac()), OptionalInt.empty()));
    } catch (RuntimeException e) {
      LeaseIdentity.reset(fabric, pf, l);
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
    fabric.programGuid(pf(a.lease()), a.lease().vfIndex(), a.guid());
    return Outcome.Status.DONE;
  }

  @Override
  public Outcome.Status mapPkey(Action.MapPkey a) {
    fabric.mapPkey(pf(a.lease()), a.lease().vfIndex(), OptionalInt.of(a.physicalIndex()));
    recordPkey(a.lease(), a.pkey(), "map-pkey", "partition " + a.pkey());
    return Outcome.Status.DONE;
  }

  @Override
  public Outcome.Status blockPartition(Action.BlockPartition a) {
    fabric.mapPkey(pf(a.lease()), a.lease().vfIndex(), OptionalInt.empty());
    recordPkey(a.lease(), Pkey.BLOCKED, "block-partition", a.reason());
    return Outcome.Status.DONE;
  }

  /**
   * Records the key a VF now reaches when it differs from the lease's (a partition the network
   * driver's post learnt), so later passes keep it and release resets it.
   */
  private void recordPkey(Lease planned, Pkey key, String what, String why) {
    Lease l = session.state().lease(planned.key()).orElse(planned);
    if (l.pkey().equals(Optional.of(key))) {
      return;
    }
    commit(session.state().with(l.withIdentity(l.mac(), l.guid(), l.originalGuid(), Optional.of(key), now()))
        .record(new HistoryEntry(now(), what, l.key(), l.domain().orElse(""), why)));
  }

  @Override
  public Outcome.Status report(Action.Report a) {
    return Outcome.Status.REPORTED;
  }

  static OptionalInt vmIdOf(String domain) {
    return domain.matches("one-\\d{1,9}") ? OptionalInt.of(Integer.parseInt(domain.substring(4))) : OptionalInt.empty();
  }

}
