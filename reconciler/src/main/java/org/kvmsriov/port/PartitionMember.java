package org.kvmsriov.port;

import org.kvmsriov.model.Guid;
import org.kvmsriov.model.Pkey;

/**
 * One port GUID the subnet manager lists in one partition.
 *
 * @param partition the partition key, membership bit cleared ({@code 0x4e20})
 * @param guid the member's port GUID
 * @param membership full, limited or both
 * @param managed true when kvm-sriov may take it out again (an OpenSM entry kvm-sriov created;
 *     any UFM member); false for what the operator listed by hand
 */
public record PartitionMember(Pkey partition, Guid guid, Membership membership, boolean managed) {
  public PartitionMember {
    if (partition.fullMember()) {
      throw new IllegalArgumentException("partition " + partition + " carries the membership bit; use "
          + partition.withoutMembership());
    }
  }
}
