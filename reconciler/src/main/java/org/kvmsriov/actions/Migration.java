package org.kvmsriov.actions;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.kvmsriov.engine.PassResult;
import org.kvmsriov.model.NicIdentity;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.PfSpec;
import org.kvmsriov.model.Segment;
import org.kvmsriov.model.VmId;
import org.kvmsriov.opennebula.DriverRequest;
import org.kvmsriov.opennebula.SriovNic;
import org.kvmsriov.port.DriverException;
import org.kvmsriov.port.Lease;
import org.kvmsriov.port.LeaseState;
import org.kvmsriov.port.LedgerSession;
import org.kvmsriov.port.RemoteDriver;

/**
 * Live migration of a VM holding VFs. Source: the destination's kvm-sriov reserves first, the
 * engine detaches the VFs here, the domain migrates (the one call), the destination attaches,
 * the engine releases here. Before the domain has moved, any failure puts the VFs back here and
 * gives the destination's reservation back. Destination: the {@code migrate_in_*} requests.
 */
final class Migration {

  private final VmRequest r;

  Migration(VmRequest r) {
    this.r = r;
  }

  void migrate(String deployId, String destHost, VmId vm, RemoteDriver remote) {
    String name = r.domainOf(deployId, vm);
    try (LedgerSession s = r.openLedger()) {
      List<Lease> mine = s.state().leasesOfDomain(name);
      List<String> reserve = new ArrayList<>(List.of("migrate_in_reserve", vm.toString()));
      for (int i = 0; i < mine.size(); i++) {
        Lease l = mine.get(i);
        reserve.add(new DriverRequest.IncomingNic(l.pf(), HeldVfs.position(r, name, l, i), l.mac().orElseThrow(),
            l.pkey(), l.segment()).token());
      }
      remote.call(destHost, reserve); // nothing has changed here if the destination refuses
      r.move(s, mine, LeaseState.MIGRATING_OUT);
      try {
        PassResult detached = r.settle(s, name);
        if (detached.failed()) {
          throw new DriverException(VmRequest.firstFailure(detached));
        }
        // Client-driven like OpenNebula's stock kvm migrate; the VF-less live XML goes along.
        r.hypervisor().migrate(name, "qemu+ssh://" + destHost + "/system", false, Optional.empty());
      } catch (RuntimeException e) {
        r.putBack(s, mine);
        List<String> notBack = VmRequest.failedVfs(r.settle(s, name)).stream().map(PciAddress::toString).sorted()
            .toList();
        try {
          remote.call(destHost, List.of("migrate_in_abort", vm.toString()));
        } catch (RuntimeException abort) {
          r.log.println("WARNING: the reservation on " + destHost + " could not be given back (" + abort.getMessage()
              + "); its reconciler releases it after the grace period");
          r.log.flush();
        }
        throw new DriverException("migration of " + name + " to " + destHost + " failed: " + e.getMessage()
            + (notBack.isEmpty() ? "; it runs here with its VFs"
                : "; VFs " + notBack + " will be re-attached here by the reconciler"), e);
      }
      try {
        remote.call(destHost, List.of("migrate_in_attach", vm.toString()));
      } catch (RuntimeException e) {
        r.log.println("WARNING: " + name + " runs on " + destHost + " but its VFs could not be attached there ("
            + e.getMessage() + "); the reconciler there re-attaches them");
      }
      r.warnNotReset(r.giveBack(s, name, mine), "; the reconciler releases it");
      r.history(s, "migrate", mine, name, "moved to " + destHost);
    }
  }

  /** Destination: leases a VF for each incoming NIC, all or none, and lets the engine program them. */
  void reserve(VmId vm, List<DriverRequest.IncomingNic> nics) {
    String name = vm.domain();
    try (LedgerSession s = r.openLedger()) {
      if (!s.state().leasesOfDomain(name).isEmpty()) {
        throw new DriverException(name + " already holds VFs on this host");
      }
      List<VmRequest.Wanted> wanted = new ArrayList<>();
      for (DriverRequest.IncomingNic nic : nics) {
        PfSpec pf = r.pf(nic.pf());
        wanted.add(new VmRequest.Wanted(pf, NicIdentity.parked(pf.mode(), nic.mac()),
            nic.segment().orElse(Segment.recorded(nic.pkey())), SriovNic.aliasFor(nic.position())));
      }
      List<Lease> taken = r.reserveAll(s, name, vm, wanted, OptionalInt.empty(), LeaseState.MIGRATING_IN);
      PassResult prepared;
      try {
        prepared = r.settle(s, name);
      } catch (Throwable e) {
        r.giveBack(s, name, taken);
        throw VmRequest.failed("reservation for " + name, e);
      }
      if (prepared.failed()) {
        r.giveBack(s, name, taken);
        throw new DriverException("reservation for " + name + " failed: " + VmRequest.firstFailure(prepared));
      }
      r.warnings(prepared);
    }
  }

  /** Destination: lets the engine attach the VFs reserved for the domain that has arrived. */
  void attach(VmId vm) {
    String name = vm.domain();
    try (LedgerSession s = r.openLedger()) {
      List<VmRequest.Failed> failed = VmRequest.failures(r.settle(s, name));
      if (!failed.isEmpty()) {
        throw new DriverException("VFs not attached to " + name + " (the reconciler retries): "
            + VmRequest.joined(failed));
      }
      List<Lease> attached = s.state().leasesOfDomain(name);
      r.history(s, "migrate-in", attached, name, "VF attached after migration");
    }
  }

  /** Destination: gives back what {@link #reserve} took. */
  void abort(VmId vm) {
    String name = vm.domain();
    try (LedgerSession s = r.openLedger()) {
      r.giveBack(s, name, s.state().leasesOfDomain(name).stream().filter(l -> l.state() == LeaseState.MIGRATING_IN)
          .toList());
    }
  }
}
