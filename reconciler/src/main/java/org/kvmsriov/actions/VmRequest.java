package org.kvmsriov.actions;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.kvmsriov.engine.Engine;
import org.kvmsriov.engine.EngineContext;
import org.kvmsriov.engine.Outcome;
import org.kvmsriov.engine.PassResult;
import org.kvmsriov.lease.LeaseAllocator;
import org.kvmsriov.model.Guid;
import org.kvmsriov.model.HostState;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.PfName;
import org.kvmsriov.model.PfSpec;
import org.kvmsriov.model.Segment;
import org.kvmsriov.model.VmId;
import org.kvmsriov.plan.Action;
import org.kvmsriov.plan.PartitionDecision;
import org.kvmsriov.port.DomainInfo;
import org.kvmsriov.port.DriverException;
import org.kvmsriov.port.HistoryEntry;
import org.kvmsriov.port.Hypervisor;
import org.kvmsriov.port.Lease;
import org.kvmsriov.port.LeaseOwner;
import org.kvmsriov.port.LeaseState;
import org.kvmsriov.port.LedgerSession;
import org.kvmsriov.port.LedgerState;
import org.kvmsriov.model.NicIdentity;

/**
 * What every VMM action of one request shares: the engine, the request as lease owner, the
 * stream OpenNebula files in the VM's log. An action records its intent in the ledger with
 * these helpers, makes its one hypervisor call itself, and leaves every VF-level effect to
 * {@link Engine#settle}.
 */
final class VmRequest {

  final Engine engine;
  final EngineContext ctx;
  final LeaseOwner owner;
  final PrintWriter log;

  VmRequest(Engine engine, LeaseOwner owner, PrintWriter log) {
    this.engine = engine;
    this.ctx = engine.context();
    this.owner = owner;
    this.log = log;
  }

  HostState desired() {
    return ctx.desired();
  }

  Hypervisor hypervisor() {
    return ctx.hypervisor();
  }

  Instant now() {
    return ctx.clock().instant();
  }

  LedgerSession openLedger() {
    return ctx.ledger().open(Engine.LOCK_TIMEOUT);
  }

  /** The domain a deploy id names, else the VM's own domain name. */
  String domainOf(String deployId, VmId vm) {
    return hypervisor().domain(deployId).map(DomainInfo::name).orElse(vm.domain());
  }

  PfSpec pf(PfName name) {
    return desired().pf(name).orElseThrow(() -> new DriverException("PF " + name
        + " is not declared in this host's host.yaml"));
  }

  /** VFs a running domain holds, leased or not: observed truth wins over the ledger. */
  Set<PciAddress> inUse() {
    Set<PciAddress> inUse = new HashSet<>();
    hypervisor().domains().stream().filter(DomainInfo::isActive)
        .forEach(d -> d.hostdevs().forEach(h -> inUse.add(h.source())));
    return inUse;
  }

  /**
   * A new lease of a free VF of {@code pf} for {@code domain}, owned by this request, carrying
   * everything that rebuilds its device, and for InfiniBand the VF's GUID as found: recorded
   * before anything is written, so whatever kills us afterwards, releasing puts it back.
   *
   * @param taken the ledger the choice is made against (leases added before count as taken)
   */
  private Lease newLease(PfSpec pf, LedgerState taken, Set<PciAddress> inUse, OptionalInt numa, String domain, VmId vm,
      NicIdentity id, Segment segment, String alias, LeaseState state) {
    LeaseAllocator.Slot slot = LeaseAllocator.pick(pf.name(), ctx.fabric().vfMap(pf), taken, inUse, numa,
        ctx.fabric()::numaNode);
    Optional<Guid> original = id.guid().isPresent() ? ctx.fabric().portGuid(pf, slot.index()) : Optional.empty();
    return Lease.reserve(pf.name(), slot.vf(), slot.index(), domain, OptionalInt.of(vm.value()), owner, now())
        .withIdentity(Optional.of(id.mac()), id.guid(), original, Optional.empty(), now())
        .withDevice(Optional.of(segment), Optional.of(alias), now())
        .withState(state, now());
  }

  /** What one NIC asks of a new lease: the PF to take a VF of, and what rebuilds its device. */
  record Wanted(PfSpec pf, NicIdentity id, Segment segment, String alias) {
  }

  /**
   * One new lease per wanted NIC, all or none (the first PF without a free VF refuses them all),
   * committed together before anything else happens, so a crash afterwards leaks nothing a pass
   * cannot give back.
   */
  List<Lease> reserveAll(LedgerSession s, String domain, VmId vm, List<Wanted> wanted, OptionalInt numa,
      LeaseState state) {
    LedgerState st = s.state();
    Set<PciAddress> inUse = inUse();
    List<Lease> out = new ArrayList<>();
    for (Wanted w : wanted) {
      Lease l = newLease(w.pf(), st, inUse, numa, domain, vm, w.id(), w.segment(), w.alias(), state);
      st = st.with(l);
      out.add(l);
    }
    if (!out.isEmpty()) {
      s.commit(st);
    }
    return out;
  }

  /** {@code leases} (as the session now has them) moved to {@code state} by this request; committed. */
  void move(LedgerSession s, List<Lease> leases, LeaseState state) {
    LedgerState st = s.state();
    for (Lease l : leases) {
      Optional<Lease> now = st.lease(l.key());
      if (now.isPresent()) {
        st = st.with(now.get().movedBy(owner, state, now()));
      }
    }
    s.commit(st);
  }

  /** Puts {@code leases} back exactly as they were before this request moved them (a refused step changes nothing). */
  void putBack(LedgerSession s, List<Lease> leases) {
    LedgerState st = s.state();
    for (Lease l : leases) {
      if (st.lease(l.key()).isPresent()) {
        st = st.with(l);
      }
    }
    s.commit(st);
  }

  /** Gives {@code leases} back: detached where still held, identities reset, released. */
  PassResult giveBack(LedgerSession s, String domain, List<Lease> leases) {
    move(s, leases, LeaseState.RELEASING);
    return settle(s, domain);
  }

  PassResult settle(LedgerSession s, String domain) {
    return engine.settle(s, domain, owner);
  }

  void history(LedgerSession s, String action, List<Lease> leases, String domain, String reason) {
    LedgerState st = s.state();
    for (Lease l : leases) {
      st = st.record(new HistoryEntry(now(), action, l.key(), domain, reason));
    }
    s.commit(st);
  }

  /** A step of a settle that failed: the VF it was about (or the action, when it names none) and why. */
  record Failed(String vf, String why) {
    @Override
    public String toString() {
      return vf + ": " + why;
    }
  }

  /** The failed steps of a settle. */
  static List<Failed> failures(PassResult r) {
    return r.outcomes().stream().filter(Outcome::failed).map(o -> new Failed(vfOf(o.action()), o.detail())).toList();
  }

  /** {@code VF: why; VF: why}, for a message that names every cause. */
  static String joined(List<Failed> failed) {
    return String.join("; ", failed.stream().map(Failed::toString).toList());
  }

  /** Warns of each VF a release could not finish ({@code VF x could not be reset (why)} + {@code then}); a pass finishes it. */
  void warnNotReset(PassResult back, String then) {
    for (Failed f : failures(back)) {
      log.println("WARNING: VF " + f.vf() + " could not be reset (" + f.why() + ")" + then);
    }
    log.flush();
  }

  /** The VFs whose step of a settle failed. */
  static Set<PciAddress> failedVfs(PassResult r) {
    Set<PciAddress> out = new HashSet<>();
    r.outcomes().stream().filter(Outcome::failed).forEach(o -> leaseOf(o.action()).ifPresent(l -> out.add(l.vf())));
    return out;
  }

  /** Why the step of a settle on {@code vf} failed, if one did. */
  static Optional<String> failureOf(PassResult r, PciAddress vf) {
    return r.outcomes().stream().filter(o -> o.failed() && leaseOf(o.action()).map(l -> l.vf().equals(vf)).orElse(false))
        .map(Outcome::detail).findFirst();
  }

  /** The first failure's reason, for a message that names one cause. */
  static String firstFailure(PassResult r) {
    return r.outcomes().stream().filter(Outcome::failed).map(Outcome::detail).findFirst().orElse("");
  }

  /** The partitions a settle could not grant, as OpenNebula should show them in the VM's log. */
  void warnings(PassResult r) {
    for (Outcome o : r.outcomes()) {
      Action a = o.action();
      if (a instanceof Action.BlockPartition b && o.status() == Outcome.Status.DONE) {
        blocked(b.lease(), b.reason());
      } else if (a instanceof Action.AttachVf at && o.status() == Outcome.Status.DONE
          && at.partition().orElse(null) instanceof PartitionDecision.Blocked b) {
        blocked(at.lease(), b.reason());
      } else if (a instanceof Action.Report rep && rep.kind() == Action.ReportKind.SUBNET_MANAGER) {
        log.println("WARNING: " + rep.message());
      }
    }
    log.flush();
  }

  private void blocked(Lease l, String reason) {
    log.println("WARNING: " + l.domain().orElse("?") + ": VF " + l.vf() + " blocked: " + reason);
  }

  private static String vfOf(Action a) {
    return leaseOf(a).map(l -> l.vf().toString()).orElse(a.describe());
  }

  /** The lease an action works on; through the visitor, so a new action must say whether it has one. */
  private static Optional<Lease> leaseOf(Action a) {
    return a.accept(new Action.Visitor<Optional<Lease>>() {
      @Override
      public Optional<Lease> release(Action.ReleaseStaleLease x) {
        return Optional.of(x.lease());
      }

      @Override
      public Optional<Lease> confirm(Action.ConfirmLease x) {
        return Optional.of(x.lease());
      }

      @Override
      public Optional<Lease> adopt(Action.AdoptUntrackedVf x) {
        return Optional.empty(); // it has no lease until it is applied
      }

      @Override
      public Optional<Lease> reattach(Action.ReattachVf x) {
        return Optional.of(x.lease());
      }

      @Override
      public Optional<Lease> attach(Action.AttachVf x) {
        return Optional.of(x.lease());
      }

      @Override
      public Optional<Lease> detach(Action.DetachVf x) {
        return Optional.of(x.lease());
      }

      @Override
      public Optional<Lease> restoreParked(Action.RestoreParkedNic x) {
        return Optional.empty(); // leases a VF when applied
      }

      @Override
      public Optional<Lease> programGuid(Action.ProgramGuid x) {
        return Optional.of(x.lease());
      }

      @Override
      public Optional<Lease> mapPkey(Action.MapPkey x) {
        return Optional.of(x.lease());
      }

      @Override
      public Optional<Lease> blockPartition(Action.BlockPartition x) {
        return Optional.of(x.lease());
      }

      @Override
      public Optional<Lease> joinPartition(Action.JoinPartition x) {
        return Optional.of(x.lease());
      }

      @Override
      public Optional<Lease> leavePartition(Action.LeavePartition x) {
        return Optional.empty(); // a member by GUID, whose lease may be gone
      }

      @Override
      public Optional<Lease> report(Action.Report x) {
        return Optional.empty();
      }
    });
  }

  /** A failure of the request's own call, or of a settle, as the action's message. */
  static DriverException failed(String what, Throwable cause) {
    String m = cause.getMessage() == null ? cause.toString() : cause.getMessage();
    return new DriverException(what + " failed: " + m, cause);
  }
}
