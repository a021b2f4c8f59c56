package org.kvmsriov.port;

import java.util.Comparator;
import java.util.Objects;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.PfName;

/**
 * Where a lease is filed: its PF and VF address. Ordered by PF name, then address.
 *
 * @param pf the physical function
 * @param vf the VF's PCI address
 */
public record LeaseKey(PfName pf, PciAddress vf) implements Comparable<LeaseKey> {

  private static final Comparator<LeaseKey> ORDER =
      Comparator.comparing(LeaseKey::pf).thenComparing(LeaseKey::vf);

  public LeaseKey {
    Objects.requireNonNull(pf, "pf");
    Objects.requireNonNull(vf, "vf");
  }

  @Override
  public int compareTo(LeaseKey o) {
    return ORDER.compare(this, o);
  }

  @Override
  public String toString() {
    return pf + " " + vf;
  }
}
