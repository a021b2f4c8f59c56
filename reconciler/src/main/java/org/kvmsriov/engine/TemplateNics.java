package org.kvmsriov.engine;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.kvmsriov.opennebula.VmNic;
import org.kvmsriov.model.HostState;
import org.kvmsriov.model.MacAddress;
import org.kvmsriov.model.Mode;
import org.kvmsriov.model.PfName;
import org.kvmsriov.model.PfSpec;
import org.kvmsriov.model.Segment;
import org.kvmsriov.port.Lease;
import org.kvmsriov.port.LeaseKey;
import org.kvmsriov.port.LedgerState;
import org.kvmsriov.model.NicIdentity;

/**
 * Which of a VM's leases belong to which NICs of its OpenNebula template. A lease carries the
 * identity MAC derived from its NIC's MAC, not the NIC id, so NICs are matched by MAC as
 * detach_nic matches them. Pure.
 */
public final class TemplateNics {

  private TemplateNics() {}

  /** The leases of {@code domain} whose NIC is one of {@code nics}. */
  static Set<LeaseKey> leases(HostState desired, LedgerState st, String domain, List<VmNic> nics) {
    Set<LeaseKey> out = new HashSet<>();
    for (Lease l : st.leasesOfDomain(domain)) {
      nicOf(desired, l, nics).ifPresent(n -> out.add(l.key()));
    }
    return out;
  }

  /**
   * The partition each InfiniBand lease's NIC asks for through its VLAN_ID.
   *
   * @throws org.kvmsriov.config.InvalidInputException when a VLAN_ID is no partition number
   */
  static Map<LeaseKey, Segment> partitions(HostState desired, LedgerState st, String domain,
      List<VmNic> nics) {
    Map<LeaseKey, Segment> out = new HashMap<>();
    for (Lease l : st.leasesOfDomain(domain)) {
      Optional<Mode> mode = desired.pf(l.pf()).map(org.kvmsriov.model.PfSpec::mode);
      if (mode.isPresent() && mode.get() instanceof Mode.MlnxOfed2) {
        nicOf(desired, l, nics).ifPresent(n -> out.put(l.key(), Segment.of(mode.get(), n.vlanId())));
      }
    }
    return out;
  }

  private static Optional<VmNic> nicOf(HostState desired, Lease l, List<VmNic> nics) {
    return l.mac().flatMap(mac -> nicOf(desired, l.pf(), mac, nics));
  }

  /** The NIC on {@code sriov_<pf>} whose MAC the identity MAC {@code identity} was derived from. */
  public static Optional<VmNic> nicOf(HostState desired, PfName pf, MacAddress identity, List<VmNic> nics) {
    Optional<PfSpec> spec = desired.pf(pf);
    if (spec.isEmpty()) {
      return Optional.empty();
    }
    return nics.stream().filter(n -> n.bridge().equals("sriov_" + pf)
        && NicIdentity.matches(identity, spec.get().mode(), desired.driver(), n.mac())).findFirst();
  }
}
