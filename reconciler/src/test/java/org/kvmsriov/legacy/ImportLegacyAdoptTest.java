package org.kvmsriov.legacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.kvmsriov.testsupport.HoldersOnlyHypervisor.domain;
import static org.kvmsriov.testsupport.Leases.attached;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvmsriov.model.Guid;
import org.kvmsriov.model.MacAddress;
import org.kvmsriov.port.DomainState;
import org.kvmsriov.port.Lease;
import org.kvmsriov.port.LeaseOwner;
import org.kvmsriov.port.LeaseState;
import org.kvmsriov.testsupport.Cli;
import org.kvmsriov.testsupport.CliRun;
import org.kvmsriov.testsupport.LedgerWorld;

/** {@code import-legacy --adopt}: the add-on's lock folder becomes leases, or nothing does. */
class ImportLegacyAdoptTest {

  @TempDir Path dir;
  Path maps;
  Path locks;
  Path ledger;

  @BeforeEach
  void addOnLayout() throws Exception {
    maps = Files.createDirectories(dir.resolve("vf_maps"));
    Files.writeString(maps.resolve("ib0"), "0x07 0x00 0x01\n0x07 0x00 0x02\n0x07 0x00 0x03\n0x07 0x00 0x04\n");
    Files.writeString(maps.resolve("ib0_ofed"), "device 0\nport 1\n");
    locks = Files.createDirectories(dir.resolve("vf_interfaces"));
    Files.writeString(locks.resolve("lock"), "");
    Path ib0 = Files.createDirectories(locks.resolve("ib0"));
    Files.writeString(ib0.resolve("0"), "aa:00:c0:a8:01:0a\n");
    Files.writeString(ib0.resolve("2"), "aa:00:c0:a8:01:0b\n");
    ledger = dir.resolve("ledger");
  }

  private CliRun adopt(String... more) {
    String[] base = {"import-legacy", "--vf-maps", maps.toString(), "--lock-dir", locks.toString(),
        "--ledger-dir", ledger.toString(), "--adopt"};
    String[] all = java.util.stream.Stream.concat(java.util.Arrays.stream(base), java.util.Arrays.stream(more))
        .toArray(String[]::new);
    return Cli.run(uri -> {
      throw new AssertionError("import-legacy must not need libvirt");
    }, LedgerWorld.CLOCK, all);
  }

  @Test
  void turnsEachLockIntoAReservedLeaseWithItsIdentity() throws Exception {
    CliRun plain = CliRun.of("import-legacy", "--vf-maps", maps.toString(), "--lock-dir", locks.toString());
    CliRun r = adopt();
    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).isEqualTo(plain.out());
    assertThat(r.err()).isEqualTo("kvm-sriov: adopted 2 lease(s) from " + locks + " into "
        + ledger.resolve("leases.json") + "\n");

    var st = new org.kvmsriov.ledger.FileLedger(ledger).snapshot();
    assertThat(st.leases()).hasSize(2);
    Lease l0 = st.leaseOfIndex(new org.kvmsriov.model.PfName("ib0"), 0).orElseThrow();
    assertThat(l0.vf().toString()).isEqualTo("0000:07:00.1");
    assertThat(l0.state()).isEqualTo(LeaseState.RESERVED);
    assertThat(l0.domain()).isEmpty();
    assertThat(l0.owner()).isEqualTo(new LeaseOwner.Imported(locks.resolve("ib0/0").toString()));
    assertThat(l0.mac()).contains(MacAddress.parse("aa:00:c0:a8:01:0a"));
    assertThat(l0.guid()).contains(Guid.parse("00:00:aa:00:c0:a8:01:0a"));
    assertThat(l0.createdAt()).isEqualTo(LedgerWorld.CLOCK.instant());
    assertThat(st.leaseOfIndex(new org.kvmsriov.model.PfName("ib0"), 2).orElseThrow().vf().toString())
        .isEqualTo("0000:07:00.3");
    assertThat(st.history()).extracting(h -> h.action()).containsExactly("adopt", "adopt");
  }

  @Test
  void genericModeRecordsNoGuid() throws Exception {
    CliRun r = adopt("--mode", "generic");
    assertThat(r.exitCode()).isZero();
    var st = new org.kvmsriov.ledger.FileLedger(ledger).snapshot();
    assertThat(st.leases().values()).allSatisfy(l -> assertThat(l.guid()).isEmpty());
  }

  @Test
  void statusShowsAdoptedLeasesAsUnidentifiedUntilMatched() throws Exception {
    assertThat(adopt().exitCode()).isZero();
    LedgerWorld w = new LedgerWorld(dir); // same ib0 VF map; its ledger directory is the one adopted into
    w.domains.add(domain("one-42", DomainState.RUNNING, "0000:07:00.1"));
    CliRun r = w.run("status");
    assertThat(r.err()).isEmpty();
    assertThat(r.out()).contains("  0   0000:07:00.1  reserved  (adopted, unidentified)  one-42",
        "drift: VF 0 (0000:07:00.1) is leased to an unidentified domain (adopted from the add-on) but running"
            + " domain one-42 holds it");
  }

  @Test
  void refusesWhenTheLedgerAlreadyLeasesOneOfTheVfs() throws Exception {
    try (var s = new org.kvmsriov.ledger.FileLedger(ledger).open(java.time.Duration.ofSeconds(5))) {
      s.commit(s.state().with(attached("ib0", 2, "0000:07:00.3", "one-9")));
    }
    byte[] before = Files.readAllBytes(ledger.resolve("leases.json"));
    CliRun r = adopt();
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("kvm-sriov: the ledger already has leases for VFs the add-on locked; nothing adopted:\n"
        + "  ib0 VF 2 (0000:07:00.3): leased to one-9 (attached) as ib0 VF 2\n");
    assertThat(r.out()).isEmpty();
    assertThat(Files.readAllBytes(ledger.resolve("leases.json"))).isEqualTo(before);
  }

  @Test
  void aSecondAdoptionIsRefused() throws Exception {
    assertThat(adopt().exitCode()).isZero();
    byte[] before = Files.readAllBytes(ledger.resolve("leases.json"));
    CliRun again = adopt();
    assertThat(again.exitCode()).isEqualTo(1);
    assertThat(again.err()).contains("ib0 VF 0 (0000:07:00.1): leased to an unidentified domain (reserved)");
    assertThat(Files.readAllBytes(ledger.resolve("leases.json"))).isEqualTo(before);
  }

  @Test
  void adoptNeedsTheLockFolder() {
    CliRun r = Cli.run(uri -> null, LedgerWorld.CLOCK, "import-legacy", "--vf-maps", maps.toString(),
        "--ledger-dir", ledger.toString(), "--adopt");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).isEqualTo("import-legacy: --adopt needs --lock-dir (the add-on's lock folder)\n");
    assertThat(ledger).doesNotExist();
  }

  @Test
  void aCorruptLedgerIsRefusedAndKept() throws Exception {
    Files.createDirectories(ledger);
    Files.writeString(ledger.resolve("leases.json"), "not json");
    CliRun r = adopt();
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).startsWith("ledger " + ledger.resolve("leases.json") + " is not valid JSON at line 1");
    assertThat(r.out()).isEmpty();
    assertThat(Files.readString(ledger.resolve("leases.json"))).isEqualTo("not json");
  }

  @Test
  void badLegacyInputAdoptsNothing() throws Exception {
    Files.writeString(locks.resolve("ib0/9"), "");
    CliRun r = adopt();
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("lock '9' names no line of the VF map of 'ib0' (4 VFs)");
    assertThat(ledger).doesNotExist();
  }
}
