package org.kvmsriov.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BiPredicate;
import java.util.function.Function;
import org.kvmsriov.opennebula.VmNic;
import org.kvmsriov.model.HostState;
import org.kvmsriov.plan.Action;
import org.kvmsriov.plan.Observation;
import org.kvmsriov.plan.Plan;
import org.kvmsriov.plan.Planner;
import org.kvmsriov.plan.VmNotice;
import org.kvmsriov.port.LeaseOwner;
import org.kvmsriov.port.LedgerSession;
import org.kvmsriov.port.LedgerState;

/**
 * The one engine behind {@code reconcile --once}, the daemon's passes and the driver actions.
 * It holds no state between calls: every pass reads the world fresh.
 */
public final class Engine {

  /** Longer than any pass takes, so a driver action waits at most for one pass to finish. */
  public static final Duration LOCK_TIMEOUT = Duration.ofSeconds(120);

  /**
   * Passes a request's settle runs at most: each step of a VF's way (program, attach, confirm;
   * detach, release) takes one, and a step that fails is not retried within the request.
   */
  private static final int SETTLE_PASSES = 4;

  private final EngineContext ctx;

  public Engine(EngineContext ctx) {
    this.ctx = ctx;
  }

  public EngineContext context() {
    return ctx;
  }

  public HostState desired() {
    return ctx.desired();
  }

  /**
   * One reconcile pass.
   *
   * <ol>
   *   <li>take the ledger lock (driver actions hold it, so a pass never races a deploy);
   *   <li>observe host.yaml, the ledger, libvirt's domains and the fabric;
   *   <li>plan (pure), narrowed to {@code domain} when given;
   *   <li>unless {@code dryRun}, apply each action, committing the ledger after each;
   *   <li>return the plan, the outcomes and when to look again.
   * </ol>
   */
  public PassResult reconcile(Optional<String> domain, boolean dryRun) {
    try (LedgerSession session = ctx.ledger().open(LOCK_TIMEOUT)) {
      return pass(session, domain, st -> VmNotice.none(), dryRun, (a, n) -> true, ctx.owners().current());
    }
  }

  /**
   * What a pass would plan now on {@code ledger} (read without its lock) and {@code domains},
   * without asking the subnet managers: for reports that change nothing ({@code status} shows
   * the leases waiting for their grace period from it).
   */
  public Plan look(LedgerState ledger, List<org.kvmsriov.port.DomainInfo> domains) {
    return Planner.plan(observe(ledger, domains));
  }

  private Observation observe(LedgerState ledger, List<org.kvmsriov.port.DomainInfo> domains) {
    return Observer.observe(ctx.desired(), ctx.fabric(), ledger, domains, ctx.owners()::alive, ctx.clock().instant());
  }

  /**
   * The network driver's {@code post}: a pass over one VM that maps each InfiniBand VF's
   * partition from its NIC's VLAN_ID (which deploy may not have known) and re-programs drifted
   * GUIDs, as every pass does.
   *
   * @param nics the VM template's NICs this network driver serves
   */
  public PassResult post(String domain, List<VmNic> nics) {
    try (LedgerSession session = ctx.ledger().open(LOCK_TIMEOUT)) {
      return pass(session, Optional.of(domain),
          st -> new VmNotice(TemplateNics.partitions(ctx.desired(), st, domain, nics), java.util.Set.of()), false,
          (a, n) -> true, ctx.owners().current());
    }
  }

  /**
   * The network driver's {@code clean}: a pass over one VM that releases at once the leases of
   * {@code nics} no running domain holds (OpenNebula has let them go: no grace period), resetting
   * GUIDs and pkey maps, and does nothing else: the VM or NIC is leaving this host, so adopting,
   * re-attaching or restoring parked NICs for it would work against OpenNebula (parked NICs of a
   * saved VM stay for its restore); ordinary passes see to the rest.
   *
   * @param nics the NICs OpenNebula let go: all this driver serves, or the one being detached
   */
  public PassResult clean(String domain, List<VmNic> nics) {
    try (LedgerSession session = ctx.ledger().open(LOCK_TIMEOUT)) {
      return pass(session, Optional.of(domain),
          st -> new VmNotice(java.util.Map.of(), TemplateNics.leases(ctx.desired(), st, domain, nics)), false,
          (a, n) -> a instanceof Action.ReleaseStaleLease r && n.gone().contains(r.lease().key()), ctx.owners().current());
    }
  }

  /**
   * Brings one domain's VFs to what the ledger now says a request wants — the VF-level half of
   * every driver action: passes scoped to {@code domain}, inside the request's ledger session,
   * until nothing is left to do (or a step failed and would only fail again).
   *
   * @param owner the request, recorded on leases the passes take
   * @return every planned action and its outcome; reports once each
   */
  public PassResult settle(LedgerSession session, String domain, LeaseOwner owner) {
    Instant start = ctx.clock().instant();
    List<Action> planned = new ArrayList<>();
    List<Outcome> outcomes = new ArrayList<>();
    // an action is applied once per settle: a GUID that cannot be read back looks undone to every pass
    java.util.Set<String> seen = new java.util.HashSet<>();
    Optional<Duration> next = Optional.empty();
    for (int i = 0; i < SETTLE_PASSES; i++) {
      // the request's own leases only: adopting VFs nobody leased and restoring parked NICs anew
      // are the reconciler's (a restore's VF that could not be attached is left to it)
      PassResult r = pass(session, Optional.of(domain), st -> VmNotice.none(), false,
          (a, n) -> !(a instanceof Action.AdoptUntrackedVf) && !(a instanceof Action.RestoreParkedNic)
              && seen.add(a.describe()), owner);
      planned.addAll(r.plan().actions());
      outcomes.addAll(r.outcomes());
      next = r.next();
      boolean progressed = r.outcomes().stream()
          .anyMatch(o -> o.status() == Outcome.Status.DONE && !(o.action() instanceof Action.Report));
      if (!progressed || r.failed()) {
        break;
      }
    }
    return new PassResult(new Plan(planned, next), outcomes, Duration.between(start, ctx.clock().instant()), next);
  }

  /**
   * @param notice what the network driver said, built from the ledger as this pass reads it
   * @param keep which planned actions this pass applies
   */
  private PassResult pass(LedgerSession session, Optional<String> domain, Function<LedgerState, VmNotice> notice,
      boolean dryRun, BiPredicate<Action, VmNotice> keep, LeaseOwner owner) {
    Instant start = ctx.clock().instant();
    VmNotice heard = notice.apply(session.state());
    Observation o = observe(session.state(), ctx.hypervisor().domains()).with(heard)
        .with(Observer.subnetManagers(ctx.desired(), session.state(), ctx.subnetManagers()));
    Plan plan = Planner.plan(o);
    if (domain.isPresent()) {
      plan = plan.forDomain(domain.get());
    }
    plan = new Plan(plan.actions().stream().filter(a -> keep.test(a, heard)).toList(), plan.recheckAfter());
    List<Outcome> outcomes = new ArrayList<>();
    if (!dryRun) {
      Executor ex = new Executor(ctx.desired(), ctx.hypervisor(), ctx.fabric(), session, owner, ctx.clock(),
          ctx.detachTimeout(), ctx.subnetManagers());
      for (Action a : plan.actions()) {
        outcomes.add(ex.apply(a));
      }
    }
    return new PassResult(plan, outcomes, Duration.between(start, ctx.clock().instant()), plan.recheckAfter());
  }
}
