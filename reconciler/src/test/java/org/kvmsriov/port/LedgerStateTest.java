package org.kvmsriov.port;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.kvmsriov.testsupport.Leases.OWNER;
import static org.kvmsriov.testsupport.Leases.T0;
import static org.kvmsriov.testsupport.Leases.attached;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.kvmsriov.model.MacAddress;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.PfName;

/** The ledger's value types refuse every state that would let a VF be leased twice or be unreadable. */
class LedgerStateTest {

  final PfName ib0 = new PfName("ib0");

  @Test
  void addsReplacesAndRemovesLeasesByKey() {
    Lease a = attached("ib0", 0, "0000:07:00.1", "one-1");
    LedgerState st = LedgerState.empty().with(a).with(attached("ib1", 0, "0000:08:00.1", "one-2"));
    assertThat(st.leasesOf(ib0)).containsExactly(a);
    assertThat(st.leaseOfIndex(ib0, 0)).contains(a);
    assertThat(st.leaseOfVf(PciAddress.parse("0000:08:00.1")).map(Lease::pf)).contains(new PfName("ib1"));
    Lease moved = a.withState(LeaseState.MIGRATING_OUT, T0.plusSeconds(5));
    assertThat(st.with(moved).lease(a.key())).contains(moved);
    assertThat(st.without(a.key()).leases()).hasSize(1).doesNotContainKey(a.key());
    assertThat(LedgerState.empty().leases()).isEmpty();
  }

  @Test
  void refusesTheSameVfUnderTwoPfs() {
    LedgerState st = LedgerState.empty().with(attached("ib0", 0, "0000:07:00.1", "one-1"));
    assertThatThrownBy(() -> st.with(attached("ib1", 3, "0000:07:00.1", "one-2")))
        .hasMessage("VF 0000:07:00.1 is leased twice (under ib0 and ib1)");
  }

  @Test
  void refusesTheSameIndexOfAPfTwice() {
    LedgerState st = LedgerState.empty().with(attached("ib0", 0, "0000:07:00.1", "one-1"));
    assertThatThrownBy(() -> st.with(attached("ib0", 0, "0000:07:00.2", "one-2")))
        .hasMessage("VF index 0 of ib0 is leased twice (0000:07:00.1 and 0000:07:00.2)");
  }

  @Test
  void refusesALeaseFiledUnderAnotherKey() {
    Lease a = attached("ib0", 0, "0000:07:00.1", "one-1");
    TreeMap<LeaseKey, Lease> m = new TreeMap<>();
    m.put(new LeaseKey(ib0, PciAddress.parse("0000:07:00.2")), a);
    assertThatThrownBy(() -> new LedgerState(m, List.of(), List.of()))
        .hasMessage("lease of ib0 0000:07:00.1 filed under ib0 0000:07:00.2");
  }

  @Test
  void parksNicsPerDomainAndRefusesAPositionTwice() {
    ParkedNic n0 = new ParkedNic("one-5", 0, ib0, MacAddress.parse("aa:00:c0:a8:01:05"), Optional.empty(), T0);
    ParkedNic n1 = new ParkedNic("one-5", 1, ib0, MacAddress.parse("aa:01:c0:a8:01:05"), Optional.empty(), T0);
    LedgerState st = LedgerState.empty().park(n1).park(n0);
    assertThat(st.parkedOf("one-5")).containsExactly(n0, n1);
    assertThat(st.park(n0).parked()).hasSize(2);
    assertThat(st.unpark("one-5").parked()).isEmpty();
    assertThatThrownBy(() -> new LedgerState(new TreeMap<>(), List.of(n0, n0), List.of()))
        .hasMessage("NIC 0 of one-5 is parked twice");
  }

  @Test
  void keepsOnlyTheNewestHistory() {
    LedgerState st = LedgerState.empty();
    LeaseKey k = new LeaseKey(ib0, PciAddress.parse("0000:07:00.1"));
    for (int i = 0; i < LedgerState.MAX_HISTORY + 5; i++) {
      st = st.record(new HistoryEntry(T0.plusSeconds(i), "release", k, "", "r" + i));
    }
    assertThat(st.history()).hasSize(LedgerState.MAX_HISTORY);
    assertThat(st.history().get(0).reason()).isEqualTo("r5");
  }

  @Test
  void leaseRefusesBadFields() {
    PciAddress vf = PciAddress.parse("0000:07:00.1");
    assertThatThrownBy(() -> Lease.reserve(ib0, vf, -1, "one-1", OptionalInt.empty(), OWNER, T0))
        .hasMessage("VF index -1 is outside 0..9999");
    assertThatThrownBy(() -> Lease.reserve(ib0, vf, 0, "", OptionalInt.empty(), OWNER, T0))
        .hasMessage("domain name must be 1..255 characters");
    assertThatThrownBy(() -> Lease.reserve(ib0, vf, 0, "a/b", OptionalInt.empty(), OWNER, T0))
        .hasMessage("domain name 'a/b' contains '/' or control characters");
    assertThatThrownBy(() -> Lease.reserve(ib0, vf, 0, "one-1", OptionalInt.of(-3), OWNER, T0))
        .hasMessage("VM id -3 is negative");
    Lease ok = Lease.reserve(ib0, vf, 0, "one-1", OptionalInt.empty(), OWNER, T0);
    assertThatThrownBy(() -> ok.withState(LeaseState.ATTACHED, T0.minusSeconds(1)))
        .hasMessageContaining("updated (2025-03-01T09:59:59Z) before it was created");
    assertThatThrownBy(() -> new Lease(ib0, vf, 0, Optional.empty(), OptionalInt.empty(), Optional.empty(),
        Optional.empty(), Optional.empty(), Optional.empty(), LeaseState.RESERVED, OWNER, T0, T0))
        .hasMessage("only a lease adopted from the add-on may lack its domain");
    assertThat(new Lease(ib0, vf, 0, Optional.empty(), OptionalInt.empty(), Optional.empty(), Optional.empty(),
        Optional.empty(), Optional.empty(), LeaseState.RESERVED, new LeaseOwner.Imported("/dev/shm/x/ib0/0"), T0, T0)
        .domain()).isEmpty();
  }

  @Test
  void ownerAndStateRefuseBadValues() {
    assertThatThrownBy(() -> new LeaseOwner.Process(0, Optional.empty(), "unknown"))
        .hasMessage("owner pid 0 is not a process id");
    assertThatThrownBy(() -> new LeaseOwner.Process(5, Optional.empty(), "x y"))
        .hasMessage("owner boot id 'x y' is not a kernel boot id");
    assertThatThrownBy(() -> new LeaseOwner.Imported("a\nb"))
        .hasMessage("imported lease source must be a non-empty printable path");
    assertThatThrownBy(() -> LeaseState.fromJson("ATTACHED"))
        .hasMessage("'ATTACHED' is not a lease state (reserved, attached, migrating_out, migrating_in, detaching, releasing, migrated)");
    IntStream.range(0, LeaseState.values().length).forEach(i ->
        assertThat(LeaseState.fromJson(LeaseState.values()[i].jsonName())).isEqualTo(LeaseState.values()[i]));
  }

  @Test
  void historyRefusesBadReasons() {
    LeaseKey k = new LeaseKey(ib0, PciAddress.parse("0000:07:00.1"));
    assertThatThrownBy(() -> new HistoryEntry(T0, "release", k, "", " "))
        .hasMessage("a reason is required and must not be blank");
    assertThatThrownBy(() -> new HistoryEntry(T0, "release", k, "", "two\nlines"))
        .hasMessage("the reason must be one line without control characters");
    assertThatThrownBy(() -> new HistoryEntry(T0, "release", k, "", "x".repeat(1001)))
        .hasMessage("the reason is longer than 1000 characters");
    assertThatThrownBy(() -> new HistoryEntry(T0, "Release!", k, "", "ok"))
        .hasMessage("history action 'Release!' is not a lower-case word");
  }
}
