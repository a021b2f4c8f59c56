package org.kvmsriov.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.kvmsriov.testsupport.Leases.attached;

import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.kvmsriov.model.Guid;
import org.kvmsriov.model.GuidPool;
import org.kvmsriov.model.Mode;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.PfSpec;
import org.kvmsriov.model.VfReset;
import org.kvmsriov.model.VfSource;
import org.kvmsriov.model.PfName;
import org.kvmsriov.port.LedgerState;

/** Allocation is deterministic: lowest free index, on the preferred NUMA node when there is one. */
class LeaseAllocatorTest {

  final PfName ib0 = new PfName("ib0");
  final List<PciAddress> vfs = IntStream.range(0, 4).mapToObj(i -> PciAddress.parse("0000:07:00." + (i + 1))).toList();
  // VFs 0 and 1 on node 0, 2 and 3 on node 1
  final Function<PciAddress, OptionalInt> numa = vf -> OptionalInt.of(vf.function() <= 2 ? 0 : 1);

  @Test
  void picksTheLowestFreeIndex() {
    LedgerState st = LedgerState.empty().with(attached("ib0", 0, "0000:07:00.1", "one-1"));
    assertThat(LeaseAllocator.pick(ib0, vfs, st, OptionalInt.empty(), numa))
        .isEqualTo(new LeaseAllocator.Slot(1, PciAddress.parse("0000:07:00.2")));
  }

  @Test
  void prefersTheNumaNodeThenFallsBack() {
    LedgerState st = LedgerState.empty();
    assertThat(LeaseAllocator.pick(ib0, vfs, st, OptionalInt.of(1), numa).index()).isEqualTo(2);
    st = st.with(attached("ib0", 2, "0000:07:00.3", "one-1")).with(attached("ib0", 3, "0000:07:00.4", "one-2"));
    assertThat(LeaseAllocator.pick(ib0, vfs, st, OptionalInt.of(1), numa).index()).isZero();
    assertThat(LeaseAllocator.pick(ib0, vfs, st, OptionalInt.of(1), vf -> OptionalInt.empty()).index()).isZero();
  }

  @Test
  void skipsVfsLeasedUnderAnotherPfOrSeenInUse() {
    LedgerState st = LedgerState.empty().with(attached("ib1", 0, "0000:07:00.1", "one-1"));
    assertThat(LeaseAllocator.pick(ib0, vfs, st, Set.of(PciAddress.parse("0000:07:00.2")), OptionalInt.empty(), numa)
        .index()).isEqualTo(2);
  }

  @Test
  void failsWithTheExactMessageWhenNothingIsFree() {
    LedgerState st = LedgerState.empty();
    for (int i = 0; i < 3; i++) {
      st = st.with(attached("ib0", i, vfs.get(i).toString(), "one-" + i));
    }
    LedgerState full = st;
    assertThatThrownBy(() -> LeaseAllocator.pick(ib0, vfs, full, Set.of(vfs.get(3)), OptionalInt.of(0), numa))
        .isInstanceOf(NoFreeVfException.class).hasMessage("no free VF on ib0");
    assertThatThrownBy(() -> LeaseAllocator.pick(ib0, List.of(), LedgerState.empty(), OptionalInt.empty(), numa))
        .hasMessage("no free VF on ib0");
  }

  @Test
  void aPoolRangeHandsOutItsFirstGuidNoLeaseHoldsAndRefusesWhenAllAre() {
    PfSpec pf = new PfSpec(ib0, java.util.Optional.empty(), new Mode.MlnxOfed2(null), new VfSource.Listed(vfs),
        List.of(), java.util.Optional.empty(),
        java.util.Optional.of(new GuidPool.Range(new Guid(0xfffffffffffffffdL), new Guid(0xfffffffffffffffeL))),
        VfReset.NONE);
    java.util.Optional<Guid> derived = java.util.Optional.of(new Guid(0xaa000a0001L));
    LedgerState st = LedgerState.empty();
    assertThat(LeaseAllocator.guid(pf, st, derived)).contains(new Guid(0xfffffffffffffffdL));
    st = st.with(withGuid(attached("ib0", 0, "0000:07:00.1", "one-1"), 0xfffffffffffffffdL));
    assertThat(LeaseAllocator.guid(pf, st, derived)).contains(new Guid(0xfffffffffffffffeL));
    LedgerState full = st.with(withGuid(attached("ib0", 1, "0000:07:00.2", "one-2"), 0xfffffffffffffffeL));
    assertThatThrownBy(() -> LeaseAllocator.guid(pf, full, derived)).isInstanceOf(NoFreeGuidException.class)
        .hasMessage("no free GUID in the GUID pool of ib0: all 2 are leased (add GUIDs to pfs.ib0.guid_pool, and"
            + " to the subnet manager's configuration)");
    assertThat(LeaseAllocator.guid(pf, full, java.util.Optional.empty())).as("no GUID asked (not InfiniBand)")
        .isEmpty();
  }

  private static org.kvmsriov.port.Lease withGuid(org.kvmsriov.port.Lease l, long guid) {
    return l.withIdentity(l.mac(), java.util.Optional.of(new Guid(guid)), l.originalGuid(), l.pkey(), l.updatedAt());
  }
}
