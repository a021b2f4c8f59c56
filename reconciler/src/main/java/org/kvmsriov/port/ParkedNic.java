package org.kvmsriov.port;

import java.time.Instant;
import java.util.Comparator;
import java.util.Objects;
import java.util.Optional;
import org.kvmsriov.model.MacAddress;
import org.kvmsriov.model.PfName;
import org.kvmsriov.model.Pkey;
import org.kvmsriov.model.Segment;

/**
 * The SR-IOV identity of a NIC of a VM saved to disk. A saved VM holds no VF; on restore it is
 * given a free VF of the same PF and this identity again.
 *
 * @param domain libvirt name of the saved domain
 * @param position index of the NIC among the VM's SR-IOV NICs, from 0
 * @param pf the PF the NIC's network uses
 * @param mac the NIC's identity MAC
 * @param pkey its partition, when mapped
 * @param segment the VLAN or partition its NIC asked for, when recorded
 * @param parkedAt when the VF was given up
 */
public record ParkedNic(String domain, int position, PfName pf, MacAddress mac, Optional<Pkey> pkey,
    Optional<Segment> segment, Instant parkedAt) {

  /** Ledger order: by domain, then position. */
  public static final Comparator<ParkedNic> ORDER =
      Comparator.comparing(ParkedNic::domain).thenComparingInt(ParkedNic::position);

  public ParkedNic {
    Lease.checkDomainName(domain);
    if (position < 0 || position > 0xff) {
      throw new IllegalArgumentException("NIC position " + position + " is outside 0..255");
    }
    Objects.requireNonNull(pf, "pf");
    Objects.requireNonNull(mac, "mac");
    Objects.requireNonNull(pkey, "pkey");
    Objects.requireNonNull(segment, "segment");
    Objects.requireNonNull(parkedAt, "parkedAt");
  }

  /** A parked NIC without a recorded segment (an older ledger). */
  public ParkedNic(String domain, int position, PfName pf, MacAddress mac, Optional<Pkey> pkey, Instant parkedAt) {
    this(domain, position, pf, mac, pkey, Optional.empty(), parkedAt);
  }

  /** Whether {@code l} is the lease that restores this NIC (same domain, PF and identity MAC). */
  public boolean restoredBy(Lease l) {
    return l.domain().equals(Optional.of(domain)) && l.pf().equals(pf) && l.mac().equals(Optional.of(mac));
  }
}
