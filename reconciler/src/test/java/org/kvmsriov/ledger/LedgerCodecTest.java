package org.kvmsriov.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.kvmsriov.testsupport.Leases.T0;
import static org.kvmsriov.testsupport.Leases.attached;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.kvmsriov.config.InvalidInputException;
import org.kvmsriov.model.Guid;
import org.kvmsriov.model.MacAddress;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.PfName;
import org.kvmsriov.model.Pkey;
import org.kvmsriov.port.HistoryEntry;
import org.kvmsriov.port.Lease;
import org.kvmsriov.port.LeaseOwner;
import org.kvmsriov.port.LeaseState;
import org.kvmsriov.port.LedgerState;
import org.kvmsriov.port.ParkedNic;

/** leases.json: every field survives a round trip, and every malformed field is refused by path. */
class LedgerCodecTest {

  static LedgerState full() {
    Lease ib = attached("ib0", 2, "0000:07:00.3", "one-42").withIdentity(
        Optional.of(MacAddress.parse("aa:00:c0:a8:01:0a")), Optional.of(Guid.parse("00:00:aa:00:c0:a8:01:0a")),
        Optional.of(Guid.parse("0x0002c90300a1b2c3")), Optional.of(Pkey.parse("0x8001")), T0.plusSeconds(2));
    Lease adopted = new Lease(new PfName("ib1"), PciAddress.parse("0000:08:00.1"), 0, Optional.empty(),
        OptionalInt.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
        LeaseState.RESERVED, new LeaseOwner.Imported("/dev/shm/vf_interfaces/ib1/0"), T0, T0);
    Lease noStart = Lease.reserve(new PfName("ib1"), PciAddress.parse("0000:08:00.2"), 1, "one-7",
        OptionalInt.of(7), new LeaseOwner.Process(99, Optional.empty(), "unknown"), T0);
    return LedgerState.empty().with(ib).with(adopted).with(noStart)
        .park(new ParkedNic("one-9", 1, new PfName("ib0"), MacAddress.parse("aa:01:c0:a8:01:09"),
            Optional.of(Pkey.parse("0x8002")), T0))
        .record(new HistoryEntry(T0, "release", noStart.key(), "one-7", "VM gone, said the operator"));
  }

  static String json() {
    return new String(LedgerCodec.encode(full()), StandardCharsets.UTF_8);
  }

  @Test
  void roundTripsEveryField() {
    LedgerState st = full();
    assertThat(LedgerCodec.decode("f", LedgerCodec.encode(st))).isEqualTo(st);
    assertThat(json()).contains("\"version\" : 1", "\"state\" : \"attached\"", "\"vf\" : \"0000:07:00.3\"",
        "\"pkey\" : \"0x8001\"", "\"kind\" : \"imported\"", "\"original_guid\" : \"00:02:c9:03:00:a1:b2:c3\"");
  }

  @Test
  void readsAbsentOptionalFieldsAsEmpty() {
    String j = """
        {"version": 1, "leases": [{"pf": "ib0", "vf": "0000:07:00.1", "vf_index": 0, "domain": "one-1",
          "state": "reserved", "owner": {"kind": "process", "pid": 12, "boot_id": "unknown"},
          "created_at": "2025-01-01T00:00:00Z", "updated_at": "2025-01-01T00:00:00Z"}],
         "parked": [], "history": []}""";
    Lease l = LedgerCodec.decode("f", j.getBytes(StandardCharsets.UTF_8)).leases().values().iterator().next();
    assertThat(l.mac()).isEmpty();
    assertThat(l.vmId()).isEmpty();
    assertThat(((LeaseOwner.Process) l.owner()).startTime()).isEmpty();
  }

  @Test
  void keepsWhenAPassFirstSawALeaseWithoutItsDomain() {
    LedgerState st = full().with(attached("ib0", 0, "0000:07:00.1", "one-3")
        .withUnheldSince(Optional.of(T0.plusSeconds(60))));
    String j = new String(LedgerCodec.encode(st), StandardCharsets.UTF_8);
    assertThat(j).contains("\"unheld_since\" : \"2025-03-01T10:01:00Z\"");
    assertThat(LedgerCodec.decode("f", LedgerCodec.encode(st))).isEqualTo(st);
    assertThat(j.split("unheld_since", -1)).as("written only where set").hasSize(2);
  }

  @Test
  void rewritesALedgerWithoutSightingsByteForByte() {
    byte[] old = LedgerCodec.encode(full());
    assertThat(new String(old, StandardCharsets.UTF_8)).doesNotContain("unheld_since");
    assertThat(LedgerCodec.encode(LedgerCodec.decode("f", old))).isEqualTo(old);
  }

  static Stream<Arguments> malformed() {
    String ok = json();
    return Stream.of(
        Arguments.of("", "ledger f is empty"),
        Arguments.of("{\"version\": 1,", "ledger f is not valid JSON at line 1, column 15: "),
        Arguments.of("[]", "ledger f is not a JSON object"),
        Arguments.of(ok + " {}", "ledger f is not valid JSON"),
        Arguments.of(ok.replace("\"version\" : 1", "\"version\" : 2"),
            "ledger f is invalid: version: is 2; this kvm-sriov reads version 1"),
        Arguments.of(ok.replace("\"version\" : 1", "\"version\" : \"1\""), "version: is \"1\""),
        Arguments.of(ok.replace("\"version\" : 1,", "\"version\" : 1, \"version\" : 1,"), "Duplicate Object property"),
        Arguments.of(ok.replace("\"history\"", "\"extra\" : 1, \"history\""), "ledger f is invalid: extra: unknown field"),
        Arguments.of(ok.replace("\"parked\" : [", "\"parked\" : 5, \"x\" : ["), "x: unknown field"),
        Arguments.of(ok.replace("\"history\" : [", "\"history\" : {}, \"y\" : ["), "y: unknown field"),
        Arguments.of(ok.replace("\"vf\" : \"0000:07:00.3\"", "\"vf\" : \"07:00.3\""),
            "leases[0].vf: '07:00.3' is not in the canonical form 0000:07:00.3"),
        Arguments.of(ok.replace("\"vf\" : \"0000:07:00.3\"", "\"vf\" : \"0000:07:00.9\""),
            "leases[0].vf: '0000:07:00.9' is not a PCI address"),
        Arguments.of(ok.replace("\"pf\" : \"ib0\"", "\"pf\" : \"../etc\""), "leases[0].pf: PF name '../etc' is not a valid interface name"),
        Arguments.of(ok.replace("\"vf_index\" : 2", "\"vf_index\" : 2.5"), "leases[0].vf_index: 2.5 is not a whole number in 0..9999"),
        Arguments.of(ok.replace("\"vf_index\" : 2", "\"vf_index\" : 10000"), "leases[0].vf_index: 10000 is not a whole number"),
        Arguments.of(ok.replace("\"vf_index\" : 2", "\"vf_index\" : \"2\""), "leases[0].vf_index: \"2\" is not a whole number"),
        Arguments.of(ok.replace("\"domain\" : \"one-42\"", "\"domain\" : \"one/42\""),
            "leases[0].domain: domain name 'one/42' contains '/' or control characters"),
        Arguments.of(ok.replace("\"domain\" : \"one-42\"", "\"domain\" : 42"), "leases[0].domain: is not a string"),
        Arguments.of(ok.replace("\"vm_id\" : 42", "\"vm_id\" : -1"), "leases[0].vm_id: -1 is not a whole number"),
        Arguments.of(ok.replace("\"mac\" : \"aa:00:c0:a8:01:0a\"", "\"mac\" : \"aa:00\""), "leases[0].mac: 'aa:00' is not a MAC address"),
        Arguments.of(ok.replace("\"guid\" : \"00:00:aa:00:c0:a8:01:0a\"", "\"guid\" : \"zz\""), "leases[0].guid: 'zz' is not a GUID"),
        Arguments.of(ok.replace("\"guid\" : \"00:00:aa:00:c0:a8:01:0a\"", "\"guid\" : \"00:00:00:00:00:00:00:00\""),
            "leases[0].guid: 00:00:00:00:00:00:00:00 (unset) means 'unset' to the HCA and the subnet manager"),
        Arguments.of(ok.replace("\"guid\" : \"00:00:aa:00:c0:a8:01:0a\"", "\"guid\" : \"0xffffffffffffffff\""),
            "leases[0].guid: ff:ff:ff:ff:ff:ff:ff:ff (unset) means 'unset'"),
        Arguments.of(ok.replace("\"pkey\" : \"0x8001\"", "\"pkey\" : \"0x0000\""), "leases[0].pkey: pkey 0x0 is outside 0x0001-0xffff"),
        Arguments.of(ok.replace("\"state\" : \"attached\"", "\"state\" : \"parked\""), "leases[0].state: 'parked' is not a lease state"),
        Arguments.of(ok.replace("\"kind\" : \"process\"", "\"kind\" : \"robot\""), "leases[0].owner.kind: 'robot' is not an owner kind"),
        Arguments.of(ok.replace("\"pid\" : 4242", "\"pid\" : 0"), "leases[0].owner.pid: 0 is not a whole number in 1..2147483647"),
        Arguments.of(ok.replace("\"pid\" : 4242", "\"pid\" : 4242, \"uid\" : 0"), "leases[0].owner.uid: unknown field"),
        Arguments.of(ok.replace("\"boot_id\" : \"0f0e0d0c", "\"boot_id\" : \"X0f0e0d0c"), "leases[0].owner: owner boot id"),
        Arguments.of(ok.replace("\"created_at\" : \"2025-03-01T10:00:00Z\"", "\"created_at\" : \"yesterday\""),
            "leases[0].created_at: 'yesterday' is not a UTC timestamp"),
        Arguments.of(ok.replaceFirst("\"created_at\" : \"2025-03-01T10:00:00Z\"", "\"created_at\" : \"2026-01-01T00:00:00Z\""),
            "leases[0]: lease updated (2025-03-01T10:00:02Z) before it was created (2026-01-01T00:00:00Z)"),
        Arguments.of(ok.replaceFirst("\"state\" : \"attached\",", ""), "leases[0].state: missing"),
        Arguments.of(ok.replaceFirst("\"updated_at\" : \"2025-03-01T10:00:02Z\"",
            "\"updated_at\" : \"2025-03-01T10:00:02Z\", \"unheld_since\" : \"soon\""),
            "leases[0].unheld_since: 'soon' is not a UTC timestamp"),
        Arguments.of(ok.replaceFirst("\"updated_at\" : \"2025-03-01T10:00:02Z\"",
            "\"updated_at\" : \"2025-03-01T10:00:02Z\", \"unheld_since\" : 5"),
            "leases[0].unheld_since: is not a string"),
        Arguments.of(ok.replace("\"vf\" : \"0000:08:00.2\"", "\"vf\" : \"0000:07:00.3\""),
            "VF 0000:07:00.3 is leased twice (under ib0 and ib1)"),
        Arguments.of(ok.replace("\"position\" : 1", "\"position\" : 256"), "parked[0].position: 256 is not a whole number in 0..255"),
        Arguments.of(ok.replace("\"reason\" : \"VM gone, said the operator\"", "\"reason\" : \"\""),
            "history[0]: a reason is required"));
  }

  @ParameterizedTest
  @MethodSource("malformed")
  void refusesMalformedFieldsNamingFileAndPath(String text, String message) {
    assertThatThrownBy(() -> LedgerCodec.decode("f", text.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageStartingWith("ledger f ")
        .hasMessageContaining(message)
        .hasMessageEndingWith("(the file was left as it is; fix it or move it aside)");
  }
}
