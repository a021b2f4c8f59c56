package org.kvmsriov.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.kvmsriov.config.InvalidInputException;
import org.kvmsriov.model.Pkey;
import org.kvmsriov.model.Segment;

/** VLAN_ID → pkey, including the 15-bit ids the add-on got wrong. */
class PartitionDecisionTest {

  /** A port table as mlx4 shows it: default key first, empty slots as 0x0000. */
  static List<Optional<Pkey>> table(int... keys) {
    return Arrays.stream(keys).mapToObj(k -> k == 0 ? Optional.<Pkey>empty() : Optional.of(new Pkey(k))).toList();
  }

  static PartitionDecision decide(String vlan, List<Optional<Pkey>> table, List<Pkey> allowed) {
    return PartitionDecision.decide(Segment.of(new org.kvmsriov.model.Mode.MlnxOfed2(null), Optional.ofNullable(vlan)), table, allowed);
  }

  @Test
  void vlan20000IsFoundAsFullMember0xce20() {
    assertThat(decide("20000", table(0xffff, 0x8001, 0xce20), List.of()))
        .isEqualTo(new PartitionDecision.Mapped(2, new Pkey(0xce20)));
  }

  @Test
  void vlan20000IsFoundAsLimitedMember0x4e20() {
    assertThat(decide("20000", table(0xffff, 0, 0x4e20), List.of()))
        .isEqualTo(new PartitionDecision.Mapped(2, new Pkey(0x4e20)));
  }

  @Test
  void vlan1PrefersFullMembership() {
    assertThat(decide("1", table(0xffff, 0x0001, 0x8001), List.of()))
        .isEqualTo(new PartitionDecision.Mapped(2, new Pkey(0x8001)));
    assertThat(decide("1", table(0xffff, 0x0001), List.of()))
        .isEqualTo(new PartitionDecision.Mapped(1, new Pkey(0x0001)));
  }

  @Test
  void unknownPartitionIsBlocked() {
    assertThat(decide("77", table(0xffff, 0x8001), List.of()))
        .isEqualTo(new PartitionDecision.Blocked("partition 77 (0x804d or 0x004d) is not in the port's pkey table"));
  }

  @Test
  void noVlanMeansTheDefaultPartition() {
    assertThat(decide(null, table(0xffff, 0x8001), List.of()))
        .isEqualTo(new PartitionDecision.Mapped(0, Pkey.DEFAULT_FULL));
    assertThat(decide("", table(0x7fff), List.of())).isEqualTo(new PartitionDecision.Mapped(0, new Pkey(0x7fff)));
  }

  @Test
  void aPartitionOutsideHostYamlsPkeysIsBlocked() {
    assertThat(decide("1", table(0xffff, 0x8001), List.of(new Pkey(0x8002))))
        .isEqualTo(new PartitionDecision.Blocked("partition 1 (0x8001 or 0x0001) is not in host.yaml's pkeys for this PF"));
    assertThat(decide("2", table(0xffff, 0x0002, 0x8002), List.of(new Pkey(0x0002))))
        .isEqualTo(new PartitionDecision.Mapped(1, new Pkey(0x0002)));
  }

  @Test
  void refusesVlanIdsThatAreNoPartition() {
    for (String bad : new String[] {"0", "32768", "40000", "abc", "-1", "1e3"}) {
      assertThatThrownBy(() -> Segment.of(new org.kvmsriov.model.Mode.MlnxOfed2(null), Optional.of(bad)))
          .as(bad).isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("is not an InfiniBand partition number");
    }
  }

  @Test
  void aRecordedKeyAsksForItsPartitionAgainAndABlockStaysABlock() {
    assertThat(Segment.recorded(Optional.empty())).isEqualTo(Segment.UNTAGGED);
    assertThat(Segment.recorded(Optional.of(Pkey.DEFAULT_FULL))).isEqualTo(Segment.UNTAGGED);
    assertThat(Segment.recorded(Optional.of(new Pkey(0x7fff)))).isEqualTo(Segment.UNTAGGED);
    assertThat(Segment.recorded(Optional.of(new Pkey(0x000b)))).isEqualTo(new Segment.Partition(11));
    assertThat(Segment.recorded(Optional.of(new Pkey(0xce20)))).isEqualTo(new Segment.Partition(20000));
    assertThat(Segment.recorded(Optional.of(Pkey.BLOCKED))).isEqualTo(new Segment.Blocked());
    // even where the port table would have a key for it: the partition number is not known
    assertThat(PartitionDecision.decide(new Segment.Blocked(), table(0xffff, 0x7fff), List.of()))
        .isInstanceOf(PartitionDecision.Blocked.class);
  }
}
