package org.kvmsriov.actions;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.kvmsriov.config.InvalidInputException;
import org.kvmsriov.engine.PassResult;
import org.kvmsriov.model.HostState;
import org.kvmsriov.model.MacAddress;
import org.kvmsriov.model.NicIdentity;
import org.kvmsriov.model.PfName;
import org.kvmsriov.model.PfSpec;
import org.kvmsriov.model.Segment;
import org.kvmsriov.model.SriovIdentity;
import org.kvmsriov.model.VmId;
import org.kvmsriov.opennebula.SriovNic;
import org.kvmsriov.port.DomainInfo;
import org.kvmsriov.port.DriverException;
import org.kvmsriov.port.Lease;
import org.kvmsriov.port.LeaseState;
import org.kvmsriov.port.LedgerSession;
import org.kvmsriov.port.PciHostdev;

/**
 * attach_nic and detach_nic of SR-IOV NICs: a lease reserved (or marked for release) by the
 * request, the device attached (or detached) and the VF released by the engine. There is no
 * call of its own: the hot-plug is the VF-level effect.
 */
final class Hotplug {

  private final VmRequest r;

  Hotplug(VmRequest r) {
    this.r = r;
  }

  /**
   * Hot-plugs an SR-IOV NIC: leases a VF and lets the engine program and attach it (in generic
   * mode with its dummy NIC) under the next free position. Undone entirely when a step fails.
   *
   * @param vlan the NIC's VLAN_ID from the action's VM template, when it has one
   */
  void attach(String deployId, VmId vm, MacAddress mac, String bridge, Optional<String> vlan) {
    String name = r.domainOf(deployId, vm);
    String pfName = bridge.substring("sriov_".length());
    String why = PfName.problem(pfName);
    if (why != null) {
      throw new InvalidInputException("attach_nic: bridge '" + bridge + "': " + why);
    }
    PfSpec pf = r.desired().pf(new PfName(pfName)).orElseThrow(() ->
        new InvalidInputException("attach_nic: PF '" + pfName + "' is not declared in host.yaml"));
    Segment segment = Segment.of(pf.mode(), vlan);
    int position = nextPosition(name);
    try (LedgerSession s = r.openLedger()) {
      Lease l = r.reserveAll(s, name, vm, List.of(new VmRequest.Wanted(pf,
          NicIdentity.of(r.desired().driver(), pf.mode(), position, mac), segment, SriovNic.aliasFor(position))),
          OptionalInt.empty(), LeaseState.RESERVED).get(0);
      PassResult done;
      try {
        done = r.settle(s, name);
      } catch (Throwable e) {
        r.giveBack(s, name, List.of(l));
        throw VmRequest.failed("attach_nic of " + mac + " to " + name, e);
      }
      if (done.failed() || s.state().lease(l.key()).map(x -> x.state() != LeaseState.ATTACHED).orElse(true)) {
        String cause = VmRequest.firstFailure(done);
        r.warnNotReset(r.giveBack(s, name, List.of(l)), "; the reconciler releases it");
        throw new DriverException("attach_nic of " + mac + " to " + name + " failed: "
            + (cause.isEmpty() ? "the VF was not attached" : cause));
      }
      r.warnings(done);
      r.history(s, "attach-nic", List.of(l), name, "NIC " + mac + " at position " + position);
    }
  }

  /**
   * Hot-unplugs the SR-IOV NIC whose OpenNebula MAC is {@code mac} and frees its VF.
   *
   * @return false when no SR-IOV NIC of the domain has that MAC (an ordinary NIC: stock detach)
   */
  boolean detach(String deployId, VmId vm, MacAddress mac) {
    String name = r.domainOf(deployId, vm);
    HostState desired = r.desired();
    try (LedgerSession s = r.openLedger()) {
      Optional<Lease> match = s.state().leasesOfDomain(name).stream().filter(l -> l.mac().isPresent()
          && desired.pf(l.pf()).map(pf -> NicIdentity.matches(l.mac().get(), pf.mode(), desired.driver(), mac))
              .orElse(false)).findFirst();
      if (match.isEmpty()) {
        return false;
      }
      Lease l = match.get();
      PassResult done = r.giveBack(s, name, List.of(l));
      Optional<Lease> left = s.state().lease(l.key());
      if (left.isPresent()) {
        boolean stillHeld = VmRequest.failedVfs(done).contains(l.vf()) && r.hypervisor().domain(name)
            .map(d -> d.hostdevs().stream().map(PciHostdev::source).anyMatch(l.vf()::equals)).orElse(false);
        if (stillHeld) {
          r.putBack(s, List.of(l)); // the guest keeps it: OpenNebula sees the detach fail, nothing changed
          throw new DriverException(VmRequest.firstFailure(done));
        }
        throw new DriverException("detach_nic of " + mac + " from " + name + ": the VF is detached but "
            + VmRequest.firstFailure(done) + "; the reconciler releases it");
      }
      r.history(s, "detach-nic", List.of(l), name, "NIC " + mac);
      return true;
    }
  }

  /** The next SR-IOV NIC position of a running domain: one past the highest alias it carries. */
  private int nextPosition(String name) {
    int max = -1;
    for (PciHostdev h : r.hypervisor().domain(name).map(DomainInfo::hostdevs).orElse(List.of())) {
      OptionalInt position = h.alias().map(SriovNic::positionOf).orElse(OptionalInt.empty());
      if (position.isPresent()) {
        max = Math.max(max, position.getAsInt());
      }
    }
    if (max + 1 > SriovIdentity.MAX_POSITION) {
      throw new DriverException(name + " already has " + (max + 1) + " SR-IOV NICs");
    }
    return max + 1;
  }
}
