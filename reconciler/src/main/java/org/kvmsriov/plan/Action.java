package org.kvmsriov.plan;

import org.kvmsriov.model.Guid;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.PfName;
import org.kvmsriov.model.Pkey;
import org.kvmsriov.port.Lease;
import org.kvmsriov.port.ParkedNic;

/**
 * One step of a reconcile plan. The algebra is in {@code package-info.java}; dispatch is through
 * {@link Visitor}, which has one method per action and no defaults, so adding an action breaks
 * the build until the executor and every renderer handle it.
 */
public sealed interface Action {

  /** Which domain the action concerns, or empty for host-wide ones (a driver action's scope). */
  java.util.Optional<String> domain();

  /** One line a human reads in a plan. */
  String describe();

  <R> R accept(Visitor<R> v);

  interface Visitor<R> {
    R release(ReleaseStaleLease a);

    R confirm(ConfirmLease a);

    R adopt(AdoptUntrackedVf a);

    R reattach(ReattachVf a);

    R attach(AttachVf a);

    R detach(DetachVf a);

    R restoreParked(RestoreParkedNic a);

    R programGuid(ProgramGuid a);

    R mapPkey(MapPkey a);

    R blockPartition(BlockPartition a);

    R joinPartition(JoinPartition a);

    R leavePartition(LeavePartition a);

    R awaitGrace(AwaitGrace a);

    R endGrace(EndGrace a);

    R report(Report a);
  }

  /** The lease's holder is gone, or no longer holds the VF, past the grace period: free the VF. */
  record ReleaseStaleLease(Lease lease, String reason) implements Action {
    @Override
    public java.util.Optional<String> domain() {
      return lease.domain();
    }

    @Override
    public String describe() {
      return "release " + lease.pf() + " VF " + lease.vfIndex() + " (" + lease.vf() + ") leased to "
          + lease.domain().orElse("(unknown)") + ": " + reason;
    }

    @Override
    public <R> R accept(Visitor<R> v) {
      return v.release(this);
    }
  }

  /** The domain holds the VF its lease names: record it as attached (and its holder if unknown). */
  record ConfirmLease(Lease lease, String domainName) implements Action {
    @Override
    public java.util.Optional<String> domain() {
      return java.util.Optional.of(domainName);
    }

    @Override
    public String describe() {
      return "confirm " + lease.pf() + " VF " + lease.vfIndex() + " (" + lease.vf() + ") is attached to "
          + domainName + " (was " + lease.state().jsonName() + ")";
    }

    @Override
    public <R> R accept(Visitor<R> v) {
      return v.confirm(this);
    }
  }

  /** A domain holds a mapped VF the ledger does not know: lease it to that domain. */
  record AdoptUntrackedVf(PfName pf, int vfIndex, PciAddress vf, String domainName) implements Action {
    @Override
    public java.util.Optional<String> domain() {
      return java.util.Optional.of(domainName);
    }

    @Override
    public String describe() {
      return "adopt " + pf + " VF " + vfIndex + " (" + vf + "), held by " + domainName + " without a lease";
    }

    @Override
    public <R> R accept(Visitor<R> v) {
      return v.adopt(this);
    }
  }

  /** A running domain lost a VF it holds a lease for (detached behind our back): attach it again. */
  record ReattachVf(Lease lease) implements Action {
    @Override
    public java.util.Optional<String> domain() {
      return lease.domain();
    }

    @Override
    public String describe() {
      return "re-attach " + lease.pf() + " VF " + lease.vfIndex() + " (" + lease.vf() + ") to "
          + lease.domain().orElse("?") + ", which runs without it";
    }

    @Override
    public <R> R accept(Visitor<R> v) {
      return v.reattach(this);
    }
  }

  /**
   * A request (hot-plug, restore) leased a VF for a NIC of a running domain: program its identity
   * and partition, then attach it (in generic mode, with its dummy NIC when the NIC is new).
   *
   * @param partition where its pkey index 0 goes (HCAs with per-VF pkey tables)
   * @param newNic the NIC is new to the domain (hot-plug), not one restored from a checkpoint
   */
  record AttachVf(Lease lease, java.util.Optional<PartitionDecision> partition, boolean newNic) implements Action {
    @Override
    public java.util.Optional<String> domain() {
      return lease.domain();
    }

    @Override
    public String describe() {
      return "attach " + lease.pf() + " VF " + lease.vfIndex() + " (" + lease.vf() + ") to "
          + lease.domain().orElse("?") + lease.mac().map(m -> " for its NIC " + m).orElse("");
    }

    @Override
    public <R> R accept(Visitor<R> v) {
      return v.attach(this);
    }
  }

  /**
   * A request takes the VF out of its running domain (save, migration, NIC detach): detach the
   * device as the domain holds it.
   *
   * @param device the VF as the domain's live XML shows it (alias, VLAN)
   * @param nicLeaves the NIC goes for good (detach_nic): in generic mode its dummy NIC goes too
   */
  record DetachVf(Lease lease, org.kvmsriov.port.PciHostdev device, boolean nicLeaves) implements Action {
    @Override
    public java.util.Optional<String> domain() {
      return lease.domain();
    }

    @Override
    public String describe() {
      return "detach " + lease.pf() + " VF " + lease.vfIndex() + " (" + lease.vf() + ") from "
          + lease.domain().orElse("?") + " (" + lease.state().jsonName() + ")";
    }

    @Override
    public <R> R accept(Visitor<R> v) {
      return v.detach(this);
    }
  }

  /**
   * A running domain still has a NIC parked (its restore or migration did not get its VF back):
   * lease {@code vf} first, then attach it.
   */
  record RestoreParkedNic(ParkedNic nic, int vfIndex, PciAddress vf) implements Action {
    @Override
    public java.util.Optional<String> domain() {
      return java.util.Optional.of(nic.domain());
    }

    @Override
    public String describe() {
      return "lease " + nic.pf() + " VF " + vfIndex + " (" + vf + ") and attach it to " + nic.domain()
          + " for its parked SR-IOV NIC " + nic.position() + " (" + nic.mac() + ")";
    }

    @Override
    public <R> R accept(Visitor<R> v) {
      return v.restoreParked(this);
    }
  }

  /** The VF's GUID is not the one its lease records: program it again. */
  record ProgramGuid(Lease lease, Guid guid, String observed) implements Action {
    @Override
    public java.util.Optional<String> domain() {
      return lease.domain();
    }

    @Override
    public String describe() {
      return "program GUID " + guid + " on " + lease.pf() + " VF " + lease.vfIndex() + " (shows " + observed + ")";
    }

    @Override
    public <R> R accept(Visitor<R> v) {
      return v.programGuid(this);
    }
  }

  /** The VF's virtual pkey index 0 does not point at its lease's partition: map it again. */
  record MapPkey(Lease lease, Pkey pkey, int physicalIndex, String observed) implements Action {
    @Override
    public java.util.Optional<String> domain() {
      return lease.domain();
    }

    @Override
    public String describe() {
      return "map " + lease.pf() + " VF " + lease.vfIndex() + " pkey index 0 to " + pkey + " (port index "
          + physicalIndex + "; shows " + observed + ")";
    }

    @Override
    public <R> R accept(Visitor<R> v) {
      return v.mapPkey(this);
    }
  }

  /**
   * The VF's NIC asks for a partition the port's table (or host.yaml) does not grant, or it was
   * blocked before: point its virtual pkey index 0 at {@code none}, so it reaches no partition.
   */
  record BlockPartition(Lease lease, String reason, String observed) implements Action {
    @Override
    public java.util.Optional<String> domain() {
      return lease.domain();
    }

    @Override
    public String describe() {
      return "block " + lease.pf() + " VF " + lease.vfIndex() + " of " + lease.domain().orElse("?") + ": " + reason
          + " (shows " + observed + ")";
    }

    @Override
    public <R> R accept(Visitor<R> v) {
      return v.blockPartition(this);
    }
  }

  /**
   * The lease's GUID is not a full member of the partition its segment asks for at the PF's
   * subnet manager (mlx5: the host has no per-VF pkey table): make it one.
   */
  record JoinPartition(Lease lease, String subnetManager, Pkey partition) implements Action {
    @Override
    public java.util.Optional<String> domain() {
      return lease.domain();
    }

    @Override
    public String describe() {
      return "join GUID " + lease.guid().map(Guid::toString).orElse("?") + " (" + lease.pf() + " VF "
          + lease.vfIndex() + ") to partition " + partition + " at subnet manager " + subnetManager + " (full)";
    }

    @Override
    public <R> R accept(Visitor<R> v) {
      return v.joinPartition(this);
    }
  }

  /**
   * The subnet manager lists one of this host's GUIDs in a partition no lease wants it in (its
   * lease is being released, or is gone): take it out, before the lease is dropped.
   *
   * @param domainName the domain of the lease being released, empty when no lease holds the GUID
   */
  record LeavePartition(String subnetManager, Pkey partition, Guid guid, java.util.Optional<String> domainName,
      String reason) implements Action {
    @Override
    public java.util.Optional<String> domain() {
      return domainName;
    }

    @Override
    public String describe() {
      return "remove GUID " + guid + " from partition " + partition + " at subnet manager " + subnetManager + ": "
          + reason;
    }

    @Override
    public <R> R accept(Visitor<R> v) {
      return v.leavePartition(this);
    }
  }

  /**
   * The lease's domain does not hold its VF, but its grace period has not ended: the VF stays
   * leased for {@code left}, then is released unless the domain holds it again. The grace counts
   * from {@code since}, when a pass first saw it so; a pass that applies this records {@code since}
   * in the ledger when the lease does not have it yet (its first sight), and changes nothing else.
   *
   * @param since when a pass first saw the lease without its domain (this pass, on its first sight)
   * @param left how long until its grace ends (more than zero)
   * @param why what the pass sees (the domain gone, stopped, or running without the VF)
   */
  record AwaitGrace(Lease lease, java.time.Instant since, java.time.Duration left, String why) implements Action {
    public AwaitGrace {
      if (left.isNegative() || left.isZero()) {
        throw new IllegalArgumentException("a grace period that has ended is not waited for: " + left);
      }
    }

    /** True when no pass has recorded it yet: applying this starts its grace period. */
    public boolean firstSight() {
      return lease.unheldSince().isEmpty();
    }

    /** Whole seconds left, rounded up: a wait never shows 0 s. */
    public long secondsLeft() {
      return (left.toMillis() + 999) / 1000;
    }

    @Override
    public java.util.Optional<String> domain() {
      return lease.domain();
    }

    @Override
    public String describe() {
      return "wait " + secondsLeft() + " s, then release " + lease.pf() + " VF " + lease.vfIndex() + " (" + lease.vf()
          + ") leased to " + lease.domain().orElse("(unknown)") + " unless it is held again: " + why
          + (firstSight() ? " (first seen now, " + sinceText() + ")" : " (since " + sinceText() + ")");
    }

    /** {@link #since} to the second, for people. */
    public String sinceText() {
      return since.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    }

    @Override
    public <R> R accept(Visitor<R> v) {
      return v.awaitGrace(this);
    }
  }

  /**
   * A lease a pass had seen without its domain is no longer waiting for its grace to end (its
   * domain holds its VF again, or a request is moving it): forget when it was first seen so, so a
   * later absence gets a whole grace period again.
   */
  record EndGrace(Lease lease, String reason) implements Action {
    @Override
    public java.util.Optional<String> domain() {
      return lease.domain();
    }

    @Override
    public String describe() {
      return "end the grace period of " + lease.pf() + " VF " + lease.vfIndex() + " (" + lease.vf() + ") leased to "
          + lease.domain().orElse("(unknown)") + ", unheld since " + lease.unheldSince()
          .map(t -> t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString()).orElse("?") + ": " + reason;
    }

    @Override
    public <R> R accept(Visitor<R> v) {
      return v.endGrace(this);
    }
  }

  /** Something an operator must look at; kvm-sriov does not touch it. */
  record Report(ReportKind kind, java.util.Optional<String> domain, String message) implements Action {
    @Override
    public String describe() {
      return "report (" + kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + "): " + message;
    }

    @Override
    public <R> R accept(Visitor<R> v) {
      return v.report(this);
    }
  }

  /** The "report, don't touch" cases. */
  enum ReportKind {
    VF_HELD_TWICE,
    VF_OUTSIDE_MAPS,
    UNDECLARED_PF,
    LEASE_NOT_IN_MAP,
    HOLDER_DIFFERS,
    PARTITION_BLOCKED,
    NO_FREE_VF,
    SUBNET_MANAGER,
    UNOBSERVABLE
  }
}
