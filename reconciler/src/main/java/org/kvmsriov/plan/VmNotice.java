package org.kvmsriov.plan;

import java.util.Map;
import java.util.Set;
import org.kvmsriov.model.Segment;
import org.kvmsriov.port.LeaseKey;

/**
 * What OpenNebula's network driver tells one pass about one VM: its {@code post} step knows the
 * VLAN_IDs deploy may not have known, its {@code clean} step says which NICs OpenNebula let go.
 *
 * @param partitions post: the partition each lease's NIC asks for, from the VM template's VLAN_ID
 *     (it overrides what the lease recorded, which a deploy without the template took as the
 *     default partition)
 * @param gone clean: leases whose NIC OpenNebula has let go (the whole VM, or the one NIC being
 *     detached). OpenNebula has said so, so no grace period is waited for; a VF a running domain
 *     holds is still never released
 */
public record VmNotice(Map<LeaseKey, Segment> partitions, Set<LeaseKey> gone) {

  private static final VmNotice NONE = new VmNotice(Map.of(), Set.of());

  public VmNotice {
    partitions = Map.copyOf(partitions);
    gone = Set.copyOf(gone);
  }

  /** An ordinary pass: the ledger alone says what each lease should be. */
  public static VmNotice none() {
    return NONE;
  }
}
