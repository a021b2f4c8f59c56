package org.kvmsriov.port;

import java.util.List;
import java.util.UUID;

/**
 * A domain as the hypervisor shows it now.
 *
 * @param name libvirt name ({@code one-42})
 * @param uuid libvirt UUID
 * @param state run state
 * @param hostdevs PCI hostdevs (passed-through VFs) in the live XML, in document order
 */
public record DomainInfo(String name, UUID uuid, DomainState state, List<PciHostdev> hostdevs) {
  public DomainInfo {
    hostdevs = List.copyOf(hostdevs);
  }

  /** The OpenNebula VM id when the name is {@code one-<id>}. */
  public java.util.OptionalInt vmId() {
    return org.kvmsriov.model.VmId.ofDomain(name).map(id -> java.util.OptionalInt.of(id.value()))
        .orElse(java.util.OptionalInt.empty());
  }

  public boolean isActive() {
    return state == DomainState.RUNNING || state == DomainState.PAUSED || state == DomainState.BLOCKED;
  }
}
