package org.kvmsriov.testsupport;

import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.PfName;
import org.kvmsriov.port.Lease;
import org.kvmsriov.port.LeaseOwner;
import org.kvmsriov.port.LeaseState;

/** Leases for tests, with a fixed owner and time so that states compare equal across runs. */
public final class Leases {
  public static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");
  public static final LeaseOwner.Process OWNER =
      new LeaseOwner.Process(4242, Optional.of(T0), "0f0e0d0c-0b0a-0908-0706-050403020100");

  private Leases() {}

  public static Lease attached(String pf, int index, String vf, String domain) {
    return Lease.reserve(new PfName(pf), PciAddress.parse(vf), index, domain,
        domain.startsWith("one-") ? OptionalInt.of(Integer.parseInt(domain.substring(4))) : OptionalInt.empty(),
        OWNER, T0).withState(LeaseState.ATTACHED, T0.plusSeconds(1));
  }
}
