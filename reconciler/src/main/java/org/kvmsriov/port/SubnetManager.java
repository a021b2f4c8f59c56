package org.kvmsriov.port;

import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.kvmsriov.model.Guid;
import org.kvmsriov.model.Pkey;

/**
 * The InfiniBand subnet manager that holds partition membership (ConnectX-4 and newer have no
 * per-VF pkey table on the host). Partitions are named by their key with the membership bit
 * cleared; a key with the bit set is normalised. Every call is idempotent, and every failure
 * (unreachable, refused, a configuration it cannot read) is a {@link SubnetManagerException}
 * that leaves the SM as it was, so the caller may retry on its next pass.
 */
public interface SubnetManager {

  /** The name host.yaml gives it, for messages. */
  String name();

  /**
   * Every membership the SM lists explicitly for a GUID {@code ours} accepts, in the SM's own
   * order. A predicate rather than a set, so a pass can also find GUIDs no lease holds any more
   * (kvm-sriov's GUIDs carry the MAC prefix, or come from a PF's GUID pool).
   */
  List<PartitionMember> observe(Predicate<Guid> ours);

  /** Every membership the SM lists explicitly for one of {@code guids}. */
  default List<PartitionMember> observe(Set<Guid> guids) {
    return observe(guids::contains);
  }

  /** Makes {@code guid} a member of {@code partition}, or changes its membership to {@code membership}. */
  void add(Pkey partition, Guid guid, Membership membership);

  /** Takes {@code guid} out of {@code partition}, as far as kvm-sriov may. */
  Removal remove(Pkey partition, Guid guid);

  /** What {@link #remove} did. */
  enum Removal {
    /** the SM no longer lists the GUID there */
    REMOVED,
    /** it was not listed there (by kvm-sriov) to begin with */
    ABSENT,
    /**
     * left as it is: the operator listed it by hand (OpenSM), or it is the last member of a
     * partition kvm-sriov did not create, which UFM would delete with it
     */
    KEPT
  }
}
