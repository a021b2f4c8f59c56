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
import org.kvmsriov.model.PciAddress;
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
}
