package org.kvmsriov.actions;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.kvmsriov.config.InvalidInputException;
import org.kvmsriov.engine.PassResult;
import org.kvmsriov.engine.TemplateNics;
import org.kvmsriov.model.Mode;
import org.kvmsriov.model.NicIdentity;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.PfSpec;
import org.kvmsriov.model.Segment;
import org.kvmsriov.model.VmId;
import org.kvmsriov.opennebula.CheckpointXml;
import org.kvmsriov.opennebula.SriovNic;
import org.kvmsriov.opennebula.VmNic;
import org.kvmsriov.port.DriverException;
import org.kvmsriov.port.Lease;
import org.kvmsriov.port.LeaseState;
import org.kvmsriov.port.LedgerSession;
import org.kvmsriov.port.LedgerState;
import org.kvmsriov.port.ParkedNic;

/**
 * save and restore of a VM holding VFs. libvirt cannot save a domain with hostdevs, so save asks
 * the engine to detach them, saves (its one call), parks each NIC's identity and gives the VFs
 * back; restore leases VFs for the parked NICs, lets the engine program them, restores (its one
 * call) and lets the engine attach them.
 */
final class SaveRestore {

  private final VmRequest r;

  SaveRestore(VmRequest r) {
    this.r = r;
  }

  /** Saves; when the save fails the VFs are attached again. */
  void save(String deployId, Path checkpoint, VmId vm) {
    String name = r.domainOf(deployId, vm);
    try (LedgerSession s = r.openLedger()) {
      List<Lease> mine = s.state().leasesOfDomain(name);
      List<ParkedNic> parked = new ArrayList<>();
      for (int i = 0; i < mine.size(); i++) {
        Lease l = mine.get(i);
        parked.add(new ParkedNic(name, HeldVfs.position(r, name, l, i), l.pf(), l.mac().orElseThrow(), l.pkey(),
            l.segment(), r.now()));
      }
      r.move(s, mine, LeaseState.DETACHING);
      PassResult detached = r.settle(s, name);
      try {
        if (detached.failed()) {
          throw new DriverException(VmRequest.firstFailure(detached));
        }
        r.hypervisor().save(name, checkpoint);
      } catch (RuntimeException e) {
        r.putBack(s, mine);
        List<String> lost = VmRequest.failedVfs(r.settle(s, name)).stream().map(PciAddress::toString).sorted().toList();
        throw new DriverException("save of " + name + " failed: " + e.getMessage()
            + (lost.isEmpty() ? "; its VFs are attached again"
                : "; VFs " + lost + " will be re-attached by the reconciler"), e);
      }
      LedgerState st = s.state();
      for (ParkedNic p : parked) {
        st = st.park(p);
      }
      s.commit(st);
      // a VF whose reset failed stays RELEASING: the next pass releases it, trying the reset again
      r.warnNotReset(r.giveBack(s, name, mine), "; the reconciler releases it");
      r.history(s, "save", mine, name, "VF parked with the checkpoint");
    }
  }

  /**
   * Restores: leases VFs for the parked NICs, lets the engine program them, restores, lets the
   * engine attach them. When the restore fails, nothing stays leased or programmed and the NICs
   * stay parked for a later try; a VF that cannot be attached to the restored domain is given
   * back and its NIC stays parked, for the reconciler to lease and attach one (the domain runs
   * meanwhile).
   *
   * @param nics the VM template's NICs (the network driver's pre stores it before a restore):
   *     their VLAN_IDs, which win over what the parked identity recorded; empty when unknown
   */
  void restore(Path checkpoint, VmId vm, List<VmNic> nics) {
    String name = vm.domain();
    try (LedgerSession s = r.openLedger()) {
      List<ParkedNic> parked = s.state().parkedOf(name);
      List<Lease> leases = reserve(s, name, vm, parked, nics);
      try {
        PassResult prepared = r.settle(s, name);
        if (prepared.failed()) {
          throw new DriverException(VmRequest.firstFailure(prepared));
        }
        r.warnings(prepared);
        // the saved XML, its paths moved to the checkpoint's datastore (a system-DS migration)
        r.hypervisor().restore(checkpoint, CheckpointXml.relocated(r.hypervisor().savedXml(checkpoint), checkpoint,
            vm.value()));
      } catch (Throwable e) {
        r.giveBack(s, name, leases);
        if (e instanceof InvalidInputException i) {
          throw i;
        }
        throw VmRequest.failed("restore of " + name, e);
      }
      PassResult attached = r.settle(s, name);
      r.warnings(attached);
      Set<PciAddress> failed = VmRequest.failedVfs(attached);
      List<Lease> notAttached = leases.stream().filter(l -> failed.contains(l.vf())
          || s.state().lease(l.key()).map(x -> x.state() != LeaseState.ATTACHED).orElse(false)).toList();
      for (Lease l : notAttached) {
        String why = VmRequest.failureOf(attached, l.vf()).orElse("not attached");
        r.log.println("WARNING: " + name + " restored without VF " + l.vf() + " (" + why
            + "); the reconciler will lease and attach one");
      }
      r.log.flush();
      r.giveBack(s, name, notAttached); // their NICs stay parked
      r.history(s, "restore", leases.stream().filter(l -> !notAttached.contains(l)).toList(), name,
          "VF attached after restore");
    }
  }

  /** One VF per parked NIC, all or none, committed before anything is written; the NICs stay parked until attached. */
  private List<Lease> reserve(LedgerSession s, String name, VmId vm, List<ParkedNic> parked, List<VmNic> nics) {
    List<VmRequest.Wanted> wanted = new ArrayList<>();
    for (ParkedNic nic : parked) {
      PfSpec pf = r.desired().pf(nic.pf()).orElseThrow(() -> new DriverException("PF " + nic.pf() + " of a parked NIC"
          + " is no longer declared in host.yaml"));
      Optional<VmNic> asked = TemplateNics.nicOf(r.desired(), nic.pf(), nic.mac(), nics);
      Segment segment = asked.isPresent() && !(pf.mode() instanceof Mode.Generic)
          ? Segment.of(pf.mode(), asked.get().vlanId())
          : nic.segment().orElse(Segment.recorded(nic.pkey()));
      wanted.add(new VmRequest.Wanted(pf, NicIdentity.parked(pf.mode(), nic.mac()), segment,
          SriovNic.aliasFor(nic.position())));
    }
    return r.reserveAll(s, name, vm, wanted, OptionalInt.empty(), LeaseState.RESERVED);
  }
}
