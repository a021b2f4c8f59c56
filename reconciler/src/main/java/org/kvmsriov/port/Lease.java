package org.kvmsriov.port;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import org.kvmsriov.model.Guid;
import org.kvmsriov.model.MacAddress;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.PfName;
import org.kvmsriov.model.Pkey;
import org.kvmsriov.model.Segment;

/**
 * One VF leased to one domain. Immutable; change it with the {@code with…} methods.
 *
 * @param pf the physical function
 * @param vf the VF's PCI address
 * @param vfIndex the VF's index on its PF (host.yaml list index, or N of {@code virtfnN})
 * @param domain libvirt name of the holder ({@code one-42}); empty only for a lease adopted from
 *     the add-on, whose lock files never said which VM held the VF — the reconciler fills it in
 *     from libvirt's hostdevs or releases the lease as stale
 * @param vmId OpenNebula VM id, when known
 * @param mac the SR-IOV identity MAC (dummy NIC or ethernet VF MAC), when set
 * @param guid the GUID programmed on the VF, when set
 * @param originalGuid the VF's GUID before we programmed it, to restore on release
 * @param pkey the partition the VF was mapped to, when set
 * @param segment the VLAN (Ethernet) or partition (InfiniBand) its NIC asked for; empty for a
 *     lease taken before kvm-sriov recorded it, or adopted
 * @param alias the libvirt user alias of its device ({@code ua-sriov-<position>}), when known:
 *     with the MAC and segment it rebuilds the device exactly as the driver attached it
 * @param state where the lease is in its life
 * @param owner who took it
 * @param createdAt when it was taken
 * @param updatedAt when it last changed
 * @param unheldSince when a reconcile pass first saw it without its domain holding its VF (the
 *     domain gone, stopped, or running without it): its grace period counts from then, not from
 *     {@code updatedAt}; empty while its domain holds it or no pass has looked yet
 */
public record Lease(
    PfName pf,
    PciAddress vf,
    int vfIndex,
    Optional<String> domain,
    OptionalInt vmId,
    Optional<MacAddress> mac,
    Optional<Guid> guid,
    Optional<Guid> originalGuid,
    Optional<Pkey> pkey,
    Optional<Segment> segment,
    Optional<String> alias,
    LeaseState state,
    LeaseOwner owner,
    Instant createdAt,
    Instant updatedAt,
    Optional<Instant> unheldSince) {

  /** Far above any PF's VF count (PCIe allows 65535 VFs; no real device has 10000). */
  public static final int MAX_VF_INDEX = 9999;

  public Lease {
    Objects.requireNonNull(pf, "pf");
    Objects.requireNonNull(vf, "vf");
    Objects.requireNonNull(domain, "domain");
    Objects.requireNonNull(vmId, "vmId");
    Objects.requireNonNull(mac, "mac");
    Objects.requireNonNull(guid, "guid");
    Objects.requireNonNull(originalGuid, "originalGuid");
    guid.filter(Guid::isUnset).ifPresent(g -> {
      throw new IllegalArgumentException("GUID " + g + " means 'unset' to the HCA and the subnet manager;"
          + " a lease cannot give it to a VF");
    });
    Objects.requireNonNull(pkey, "pkey");
    Objects.requireNonNull(segment, "segment");
    Objects.requireNonNull(alias, "alias");
    alias.ifPresent(a -> {
      if (!a.matches("ua-[A-Za-z0-9_-]{1,60}")) {
        throw new IllegalArgumentException("device alias '" + a.replaceAll("\\p{Cntrl}", "?")
            + "' is not a libvirt user alias (ua-[A-Za-z0-9_-]+)");
      }
    });
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(updatedAt, "updatedAt");
    Objects.requireNonNull(unheldSince, "unheldSince");
    if (vfIndex < 0 || vfIndex > MAX_VF_INDEX) {
      throw new IllegalArgumentException("VF index " + vfIndex + " is outside 0.." + MAX_VF_INDEX);
    }
    domain.ifPresent(Lease::checkDomainName);
    if (domain.isEmpty() && !(owner instanceof LeaseOwner.Imported)) {
      throw new IllegalArgumentException("only a lease adopted from the add-on may lack its domain");
    }
    if (vmId.isPresent() && vmId.getAsInt() < 0) {
      throw new IllegalArgumentException("VM id " + vmId.getAsInt() + " is negative");
    }
    if (updatedAt.isBefore(createdAt)) {
      throw new IllegalArgumentException("lease updated (" + updatedAt + ") before it was created (" + createdAt + ")");
    }
  }

  /** A lease no pass has seen without its domain. */
  public Lease(PfName pf, PciAddress vf, int vfIndex, Optional<String> domain, OptionalInt vmId,
      Optional<MacAddress> mac, Optional<Guid> guid, Optional<Guid> originalGuid, Optional<Pkey> pkey,
      Optional<Segment> segment, Optional<String> alias, LeaseState state, LeaseOwner owner, Instant createdAt,
      Instant updatedAt) {
    this(pf, vf, vfIndex, domain, vmId, mac, guid, originalGuid, pkey, segment, alias, state, owner, createdAt,
        updatedAt, Optional.empty());
  }

  /** A lease without a recorded segment and alias (adopted, or from an older ledger). */
  public Lease(PfName pf, PciAddress vf, int vfIndex, Optional<String> domain, OptionalInt vmId,
      Optional<MacAddress> mac, Optional<Guid> guid, Optional<Guid> originalGuid, Optional<Pkey> pkey,
      LeaseState state, LeaseOwner owner, Instant createdAt, Instant updatedAt) {
    this(pf, vf, vfIndex, domain, vmId, mac, guid, originalGuid, pkey, Optional.empty(), Optional.empty(), state,
        owner, createdAt, updatedAt);
  }

  /** A new lease taken by {@code owner} for {@code domain}, in state {@link LeaseState#RESERVED}. */
  public static Lease reserve(PfName pf, PciAddress vf, int vfIndex, String domain, OptionalInt vmId,
      LeaseOwner owner, Instant now) {
    return new Lease(pf, vf, vfIndex, Optional.of(domain), vmId, Optional.empty(), Optional.empty(),
        Optional.empty(), Optional.empty(), LeaseState.RESERVED, owner, now, now);
  }

  /** Where this lease is filed in a {@link LedgerState}. */
  public LeaseKey key() {
    return new LeaseKey(pf, vf);
  }

  /** This lease in another state. */
  public Lease withState(LeaseState newState, Instant now) {
    return new Lease(pf, vf, vfIndex, domain, vmId, mac, guid, originalGuid, pkey, segment, alias, newState, owner,
        createdAt, now, unheldSince);
  }

  /** This lease with its SR-IOV identity recorded. */
  public Lease withIdentity(Optional<MacAddress> newMac, Optional<Guid> newGuid, Optional<Guid> newOriginalGuid,
      Optional<Pkey> newPkey, Instant now) {
    return new Lease(pf, vf, vfIndex, domain, vmId, newMac, newGuid, newOriginalGuid, newPkey, segment, alias, state,
        owner, createdAt, now, unheldSince);
  }

  /** This lease with its holder identified (the reconciler matching an adopted lease). */
  public Lease withDomain(String newDomain, OptionalInt newVmId, Instant now) {
    return new Lease(pf, vf, vfIndex, Optional.of(newDomain), newVmId, mac, guid, originalGuid, pkey, segment, alias,
        state, owner, createdAt, now, unheldSince);
  }

  /** This lease with the segment and device alias that rebuild its device. */
  public Lease withDevice(Optional<Segment> newSegment, Optional<String> newAlias, Instant now) {
    return new Lease(pf, vf, vfIndex, domain, vmId, mac, guid, originalGuid, pkey, newSegment, newAlias, state, owner,
        createdAt, now, unheldSince);
  }

  /** This lease in {@code newState}, taken charge of by {@code newOwner} (the request moving it). */
  public Lease movedBy(LeaseOwner newOwner, LeaseState newState, Instant now) {
    return new Lease(pf, vf, vfIndex, domain, vmId, mac, guid, originalGuid, pkey, segment, alias, newState, newOwner,
        createdAt, now, unheldSince);
  }

  /**
   * This lease with when a pass first saw it without its domain ({@code since}), or with that
   * forgotten (empty: its domain holds it again). Not a change of the lease itself, so
   * {@code updatedAt} stays.
   */
  public Lease withUnheldSince(Optional<Instant> since) {
    return new Lease(pf, vf, vfIndex, domain, vmId, mac, guid, originalGuid, pkey, segment, alias, state, owner,
        createdAt, updatedAt, since);
  }

  /** The partition key recorded, or that the recorded segment asks for when none was mapped yet. */
  public Optional<Segment> partitionAsked() {
    return pkey.isPresent() ? Optional.of(Segment.recorded(pkey)) : segment;
  }

  /**
   * Refuses what libvirt would not accept as a domain name or UUID: empty, longer than 255, a
   * {@code /}, or control characters. The ledger is read back from disk, so this is input too.
   */
  public static void checkDomainName(String name) {
    if (name == null || name.isEmpty() || name.length() > 255) {
      throw new IllegalArgumentException("domain name must be 1..255 characters");
    }
    if (name.indexOf('/') >= 0 || name.chars().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException("domain name '" + name.replaceAll("\\p{Cntrl}", "?")
          + "' contains '/' or control characters");
    }
  }
}
