package org.kvmsriov.plan;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.kvmsriov.model.Guid;
import org.kvmsriov.model.HostState;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.PfName;
import org.kvmsriov.model.Pkey;
import org.kvmsriov.port.DomainInfo;
import org.kvmsriov.port.LeaseOwner;
import org.kvmsriov.port.LedgerState;

/**
 * Everything the planner looks at, read fresh for one pass.
 *
 * @param desired host.yaml
 * @param vfMaps each declared PF's VFs in index order (listed, or discovered in sysfs)
 * @param ledger the leases and parked NICs
 * @param domains every libvirt domain with its PCI hostdevs
 * @param foreignPfOf for hostdevs that are VFs of a PF host.yaml does not declare: that PF's address
 * @param unmappedVfOf for hostdevs that are VFs of a declared PF but outside its map: that PF
 * @param guids the port GUID each leased InfiniBand VF shows, where the interface can read it back
 * @param pkeySlot0 where each leased mlx4 VF's virtual pkey index 0 points (empty: {@code none})
 * @param portPkeys each mlx4 PF's port pkey table
 * @param deadOwners owners of leases whose process is gone (so a reserved lease is abandoned)
 * @param now the pass's clock
 * @param unreadable what could not be observed (a PF missing from sysfs), reported, not guessed
 * @param notice what OpenNebula's network driver said about one VM ({@link VmNotice#none()} otherwise)
 * @param subnetManagers each subnet manager a PF names, by name: the memberships it lists for this
 *     host's GUIDs, or why it could not be asked
 */
public record Observation(
    HostState desired,
    Map<PfName, List<PciAddress>> vfMaps,
    LedgerState ledger,
    List<DomainInfo> domains,
    Map<PciAddress, PciAddress> foreignPfOf,
    Map<PciAddress, PfName> unmappedVfOf,
    Map<PciAddress, Guid> guids,
    Map<PciAddress, OptionalInt> pkeySlot0,
    Map<PfName, List<Optional<Pkey>>> portPkeys,
    Set<LeaseOwner> deadOwners,
    Instant now,
    List<String> unreadable,
    VmNotice notice,
    Map<String, SubnetManagerView> subnetManagers) {

  public Observation {
    vfMaps = Map.copyOf(vfMaps);
    domains = List.copyOf(domains);
    foreignPfOf = Map.copyOf(foreignPfOf);
    unmappedVfOf = Map.copyOf(unmappedVfOf);
    guids = Map.copyOf(guids);
    pkeySlot0 = Map.copyOf(pkeySlot0);
    portPkeys = Map.copyOf(portPkeys);
    deadOwners = Set.copyOf(deadOwners);
    unreadable = List.copyOf(unreadable);
    java.util.Objects.requireNonNull(notice, "notice");
    subnetManagers = Map.copyOf(subnetManagers);
  }

  /** An ordinary pass's observation: no network-driver notice. */
  public Observation(HostState desired, Map<PfName, List<PciAddress>> vfMaps, LedgerState ledger,
      List<DomainInfo> domains, Map<PciAddress, PciAddress> foreignPfOf, Map<PciAddress, PfName> unmappedVfOf,
      Map<PciAddress, Guid> guids, Map<PciAddress, OptionalInt> pkeySlot0, Map<PfName, List<Optional<Pkey>>> portPkeys,
      Set<LeaseOwner> deadOwners, Instant now, List<String> unreadable) {
    this(desired, vfMaps, ledger, domains, foreignPfOf, unmappedVfOf, guids, pkeySlot0, portPkeys, deadOwners, now,
        unreadable, VmNotice.none(), Map.of());
  }

  /** This observation with {@code n} heard from the network driver. */
  public Observation with(VmNotice n) {
    return new Observation(desired, vfMaps, ledger, domains, foreignPfOf, unmappedVfOf, guids, pkeySlot0, portPkeys,
        deadOwners, now, unreadable, n, subnetManagers);
  }

  /** This observation with what the subnet managers showed. */
  public Observation with(Map<String, SubnetManagerView> sms) {
    return new Observation(desired, vfMaps, ledger, domains, foreignPfOf, unmappedVfOf, guids, pkeySlot0, portPkeys,
        deadOwners, now, unreadable, notice, sms);
  }

  public Duration grace() {
    return desired.reconcile().staleLeaseGrace();
  }
}
