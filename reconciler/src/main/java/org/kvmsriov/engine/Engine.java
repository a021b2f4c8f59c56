package org.kvmsriov.engine;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BiPredicate;
import java.util.function.Function;
import java.util.function.Predicate;
import org.kvmsriov.opennebula.VmNic;
import org.kvmsriov.model.HostState;
import org.kvmsriov.plan.Action;
import org.kvmsriov.plan.Observation;
import org.kvmsriov.plan.Plan;
import org.kvmsriov.plan.Planner;
import org.kvmsriov.plan.VmNotice;
import org.kvmsriov.port.Hypervisor;
import org.kvmsriov.port.LeaseOwner;
import org.kvmsriov.port.Ledger;
import org.kvmsriov.port.LedgerSession;
import org.kvmsriov.port.LedgerState;
import org.kvmsriov.port.FabricView;

/**
 * The one engine behind {@code reconcile --once}, the daemon's passes and the driver actions.
 * It holds no state between calls: every pass reads the world fresh.
 */
public final class Engine {

  /** Longer than any pass takes, so a driver action waits at most for one pass to finish. */
  public static final Duration LOCK_TIMEOUT = Duration.ofSeconds(120);

  private final HostState desired;
  private final Hypervisor hypervisor;
  private final FabricView fabric;
  private final Ledger ledger;
  private final LeaseOwner self;
  private final Predicate<LeaseOwner> alive;
  private final Clock clock;

  /**
   * @param self the owner recorded on leases this process takes
   * @param alive whether a lease owner's process still runs
   */
  public Engine(HostState desired, Hypervisor hypervisor, FabricView fabric, Ledger ledger, LeaseOwner self,
      Predicate<LeaseOwner> alive, Clock clock) {
    this.desired = desired;
    this.hypervisor = hypervisor;
    this.fabric = fabric;
    this.ledger = ledger;
    this.self = self;
    this.alive = alive;
    this.clock = clock;
  }

  public HostState desired() {
    return desired;
  }

  /**
   * One reconcile pass.
   *
   * <ol>
   *   <li>take the ledger lock (driver actions wait for it, so a pass never races a deploy);
   *   <li>observe host.yaml, the ledger, libvirt's domains and the fabric;
   *   <li>plan (pure), narrowed to {@code domain} when given;
   *   <li>unless {@code dryRun}, apply each action, committing the ledger after each;
   *   <li>return the plan, the outcomes and when to look again.
   * </ol>
   */
  public PassResult reconcile(Optional<String> domain, boolean dryRun) {
    return pass(domain, st -> VmNotice.none(), dryRun, (a, n) -> true);
  }

  /**
   * The network driver's {@code post}: a pass over one VM that maps each InfiniBand VF's
   * partition from its NIC's VLAN_ID (which deploy may not have known) and re-programs drifted
   * GUIDs, as every pass does.
   *
   * @param nics the VM template's NICs this network driver serves
   */
  public PassResult post(String domain, List<VmNic> nics) {
    return pass(Optional.of(domain),
        st -> new VmNotice(TemplateNics.partitions(desired, st, domain, nics), java.util.Set.of()), false,
        (a, n) -> true);
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
    return pass(Optional.of(domain),
        st -> new VmNotice(java.util.Map.of(), TemplateNics.leases(desired, st, domain, nics)), false,
        (a, n) -> a instanceof Action.ReleaseStaleLease r && n.gone().contains(r.lease().key()));
  }

  /**
   * @param notice what the network driver said, built from the ledger as this pass reads it
   * @param keep which planned actions this pass applies
   */
  private PassResult pass(Optional<String> domain, Function<LedgerState, VmNotice> notice, boolean dryRun,
      BiPredicate<Action, VmNotice> keep) {
    Instant start = clock.instant();
    try (LedgerSession session = ledger.open(LOCK_TIMEOUT)) {
      VmNotice heard = notice.apply(session.state());
      Observation o = Observer.observe(desired, fabric, session.state(), hypervisor.domains(), alive, clock.instant())
          .with(heard);
      Plan plan = Planner.plan(o);
      if (domain.isPresent()) {
        plan = plan.forDomain(domain.get());
      }
      plan = new Plan(plan.actions().stream().filter(a -> keep.test(a, heard)).toList(), plan.recheckAfter());
      List<Outcome> outcomes = new ArrayList<>();
      if (!dryRun) {
        Executor ex = new Executor(desired, hypervisor, fabric, session, self, clock);
        for (Action a : plan.actions()) {
          outcomes.add(ex.apply(a));
        }
      }
      return new PassResult(plan, outcomes, Duration.between(start, clock.instant()), plan.recheckAfter());
    }
  }
}
