package org.kvmsriov.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.kvmsriov.testsupport.HoldersOnlyHypervisor.domain;
import static org.kvmsriov.testsupport.Leases.attached;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.kvmsriov.model.Guid;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.PfName;
import org.kvmsriov.port.DomainState;
import org.kvmsriov.port.HistoryEntry;
import org.kvmsriov.port.HypervisorException;
import org.kvmsriov.port.LeaseKey;
import org.kvmsriov.testsupport.CliRun;
import org.kvmsriov.testsupport.LedgerWorld;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import org.kvmsriov.app.HypervisorConnector;

/** {@code kvm-sriov leases list|release}: operators' view of the ledger and their one way to change it. */
class LeasesCommandTest {

  @TempDir Path tmp;
  LedgerWorld w;
  final LeaseKey vf0 = new LeaseKey(new PfName("ib0"), PciAddress.parse("0000:07:00.1"));
  final LeaseKey vf1 = new LeaseKey(new PfName("ib0"), PciAddress.parse("0000:07:00.2"));

  @BeforeEach
  void host() throws Exception {
    w = new LedgerWorld(tmp);
    w.leases(attached("ib0", 0, "0000:07:00.1", "one-42"),
        attached("ib0", 1, "0000:07:00.2", "one-43").withIdentity(Optional.empty(),
            Optional.of(Guid.parse("00:00:aa:00:c0:a8:01:0b")), Optional.of(Guid.parse("00:02:c9:03:00:00:00:01")),
            Optional.empty(), LedgerWorld.CLOCK.instant()));
    w.domains.add(domain("one-42", DomainState.RUNNING, "0000:07:00.1"));
  }

  @Test
  void listsLeasesAsATable() {
    CliRun r = w.run("leases", "list");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out().lines().toList()).hasSize(3);
    assertThat(r.out().lines().findFirst().orElseThrow())
        .startsWith("PF   VF  ADDRESS       STATE     DOMAIN  VM  MAC  GUID").endsWith("OWNER     UPDATED");
    assertThat(r.out()).contains("ib0  0   0000:07:00.1  attached  one-42  42  -    -",
        "00:00:aa:00:c0:a8:01:0b", "pid 4242");
    assertThat(w.urisAsked).isEmpty(); // listing needs no libvirt
  }

  @Test
  void listsLeasesAsJson() throws Exception {
    CliRun r = w.run("leases", "list", "--json");
    JsonNode j = JsonMapper.builder().build().readTree(r.out());
    assertThat(j.get("leases")).hasSize(2);
    assertThat(j.get("leases").get(1).get("original_guid").stringValue()).isEqualTo("00:02:c9:03:00:00:00:01");
    assertThat(j.get("parked")).isEmpty();
  }

  @Test
  void listsAnEmptyLedger() throws Exception {
    Path fresh = Files.createDirectory(tmp.resolve("fresh"));
    CliRun r = org.kvmsriov.testsupport.Cli.run(w.libvirt(), LedgerWorld.CLOCK, "leases", "list", "--ledger-dir",
        fresh.toString());
    assertThat(r.out()).isEqualTo("no leases\n");
    try (var s = Files.list(fresh)) {
      assertThat(s).isEmpty();
    }
  }

  @Test
  void releasesByIndexRecordingTheReason() {
    CliRun r = w.run("leases", "release", "ib0", "1", "--reason", "VM 43 deleted by hand");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).isEqualTo("released VF 1 (0000:07:00.2) of ib0\n");
    assertThat(r.err()).isEqualTo("kvm-sriov: release VF 1 (0000:07:00.2) of ib0, leased to one-43 (attached)"
        + "; GUID 00:00:aa:00:c0:a8:01:0b stays programmed on the VF (its original was 00:02:c9:03:00:00:00:01)"
        + "; reason: VM 43 deleted by hand\n");
    assertThat(w.ledger().leases()).containsOnlyKeys(vf0);
    assertThat(w.ledger().history()).containsExactly(
        new HistoryEntry(LedgerWorld.CLOCK.instant(), "release", vf1, "one-43", "VM 43 deleted by hand"));
    assertThat(w.urisAsked).containsExactly("qemu:///system");
  }

  @Test
  void releasesByAddressUsingTheGivenLibvirtUri() {
    CliRun r = w.run("leases", "release", "ib0", "0000:07:00.2", "--reason", "gone", "--libvirt-uri", "test:///x");
    assertThat(r.exitCode()).isZero();
    assertThat(w.ledger().leases()).containsOnlyKeys(vf0);
    assertThat(w.urisAsked).containsExactly("test:///x");
  }

  @Test
  void refusesWhileARunningDomainHoldsTheVf() throws Exception {
    byte[] before = w.ledgerBytes();
    CliRun r = w.run("leases", "release", "ib0", "0", "--reason", "stuck");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("kvm-sriov: VF 0 (0000:07:00.1) of ib0 is still held by running domain one-42;"
        + " nothing released (detach it first, or use --force)\n");
    assertThat(r.out()).isEmpty();
    assertThat(w.ledgerBytes()).isEqualTo(before);
  }

  @Test
  void forceReleasesAHeldVfAndSaysSo() {
    CliRun r = w.run("leases", "release", "ib0", "0", "--reason", "domain wedged", "--force");
    assertThat(r.exitCode()).isZero();
    assertThat(r.err()).isEqualTo("kvm-sriov: force-release VF 0 (0000:07:00.1) of ib0, leased to one-42 (attached),"
        + " still in running domain one-42; reason: domain wedged\n");
    assertThat(w.ledger().leases()).containsOnlyKeys(vf1);
    assertThat(w.ledger().history().get(0).action()).isEqualTo("force-release");
  }

  @Test
  void refusesWhenLibvirtCannotBeAskedUnlessForced() throws Exception {
    byte[] before = w.ledgerBytes();
    HypervisorConnector down = uri -> {
      throw new HypervisorException("cannot connect to " + uri + ": no socket");
    };
    CliRun r = w.run(down, "leases", "release", "ib0", "1", "--reason", "x");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("kvm-sriov: cannot ask libvirt whether a running domain holds VF 1 (0000:07:00.2)"
        + " of ib0: cannot connect to qemu:///system: no socket; nothing released (--force releases without asking)\n");
    assertThat(w.ledgerBytes()).isEqualTo(before);

    r = w.run(down, "leases", "release", "ib0", "1", "--reason", "x", "--force");
    assertThat(r.exitCode()).isZero();
    assertThat(r.err()).contains("; libvirt not asked: cannot connect to qemu:///system: no socket");
    assertThat(w.ledger().leases()).containsOnlyKeys(vf0);
  }

  @Test
  void releaseAsksRealLibvirtThroughTheProductionConnector() throws Exception {
    Path node = tmp.resolve("libvirt-node.xml");
    Files.writeString(node, "<node>" + StatusCommandTest.testDomain("one-42", "0000:07:00.1") + "</node>");
    String uri = "test://" + node.toAbsolutePath();
    byte[] before = w.ledgerBytes();
    String[] common = {"--ledger-dir", w.ledgerDir.toString(), "--libvirt-uri", uri, "--reason", "operator"};
    CliRun held = CliRun.of(Stream.concat(Stream.of("leases", "release", "ib0", "0"), Stream.of(common))
        .toArray(String[]::new));
    assertThat(held.exitCode()).isEqualTo(1);
    assertThat(held.err()).contains("is still held by running domain one-42; nothing released");
    assertThat(w.ledgerBytes()).isEqualTo(before);

    CliRun free = CliRun.of(Stream.concat(Stream.of("leases", "release", "ib0", "1"), Stream.of(common))
        .toArray(String[]::new));
    assertThat(free.exitCode()).isZero();
    assertThat(w.ledger().leases()).containsOnlyKeys(vf0);
  }

  static Stream<Arguments> badReleases() {
    return Stream.of(
        Arguments.of(new String[] {"ib0/x", "0", "--reason", "r"}, 2,
            "leases release: PF name 'ib0/x' is not a valid interface name (no '/', ':' or spaces)\n"),
        Arguments.of(new String[] {"averyverylongname0", "0", "--reason", "r"}, 2,
            "leases release: PF name 'averyverylongname0' is longer than 15 characters, which Linux does not allow\n"),
        Arguments.of(new String[] {"ib0", "0000:07:00.9", "--reason", "r"}, 2,
            "leases release: VF '0000:07:00.9' is neither a VF index nor a PCI address (e.g. 3 or 0000:07:00.4)\n"),
        Arguments.of(new String[] {"ib0", "-1", "--reason", "r"}, 2,
            "leases release: VF '-1' is neither a VF index nor a PCI address (e.g. 3 or 0000:07:00.4)\n"),
        Arguments.of(new String[] {"ib0", "10000", "--reason", "r"}, 2,
            "leases release: VF index 10000 is outside 0..9999\n"),
        Arguments.of(new String[] {"ib0", "0"}, 2, "Missing required option: '--reason=TEXT'"),
        Arguments.of(new String[] {"ib0", "0", "--reason", "  "}, 2,
            "leases release: --reason: a reason is required and must not be blank\n"),
        Arguments.of(new String[] {"ib0", "0", "--reason", "a\nb"}, 2,
            "leases release: --reason: the reason must be one line without control characters\n"),
        Arguments.of(new String[] {"ib0", "0", "--reason", "r", "--wait", "0"}, 2,
            "leases release: --wait 0 is not 1..3600 seconds\n"),
        Arguments.of(new String[] {"ib0"}, 2, "Missing required options and parameters: '--reason=TEXT', 'VF'"),
        Arguments.of(new String[] {"ib0", "2", "--reason", "r"}, 1,
            "kvm-sriov: no lease for VF 2 of ib0; nothing released\n"),
        Arguments.of(new String[] {"ib1", "0000:07:00.1", "--reason", "r"}, 2,
            "leases release: PF 'ib1' is not declared in "),
        Arguments.of(new String[] {"enp8s0f0", "0000:07:00.1", "--reason", "r"}, 1,
            "kvm-sriov: no lease for VF 0000:07:00.1 of enp8s0f0 (it is leased under ib0); nothing released\n"));
  }

  @ParameterizedTest
  @MethodSource("badReleases")
  void refusesBadReleasesChangingNothing(String[] args, int code, String message) throws Exception {
    byte[] before = w.ledgerBytes();
    String[] all = Stream.concat(Stream.of("leases", "release"), Stream.of(args)).toArray(String[]::new);
    CliRun r = w.run(all);
    assertThat(r.exitCode()).isEqualTo(code);
    if (message.endsWith("\n")) {
      assertThat(r.err()).isEqualTo(message);
    } else {
      assertThat(r.err()).startsWith(message);
    }
    assertThat(r.out()).isEmpty();
    assertThat(w.ledgerBytes()).isEqualTo(before);
    if (code == 2) {
      assertThat(w.urisAsked).isEmpty();
    }
  }

  @Test
  void refusesACorruptLedgerAndKeepsIt() throws Exception {
    Path f = w.ledgerDir.resolve("leases.json");
    Files.writeString(f, "{\"version\": 1, \"leases\": [{}], \"parked\": [], \"history\": []}");
    CliRun r = w.run("leases", "release", "ib0", "0", "--reason", "r", "--force");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).isEqualTo("ledger " + f + " is invalid: leases[0].pf: missing"
        + " (the file was left as it is; fix it or move it aside)\n");
    assertThat(Files.readString(f)).isEqualTo("{\"version\": 1, \"leases\": [{}], \"parked\": [], \"history\": []}");
    assertThat(w.run("leases", "list").exitCode()).isEqualTo(2);
  }

  @Test
  void leasesWithoutASubcommandIsAUsageError() {
    CliRun r = org.kvmsriov.testsupport.Cli.run(w.libvirt(), LedgerWorld.CLOCK, "leases");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).startsWith("kvm-sriov leases: list or release is required");
  }
}
