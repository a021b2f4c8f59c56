package org.kvmsriov.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.kvmsriov.testsupport.HoldersOnlyHypervisor.domain;
import static org.kvmsriov.testsupport.Leases.attached;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvmsriov.port.DomainState;
import org.kvmsriov.port.HypervisorException;
import org.kvmsriov.port.LeaseState;
import org.kvmsriov.testsupport.CliRun;
import org.kvmsriov.testsupport.LedgerWorld;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code kvm-sriov status}: counts and holders per PF, from host.yaml, sysfs, the ledger and libvirt. */
class StatusCommandTest {

  @TempDir Path tmp;
  LedgerWorld w;

  @BeforeEach
  void host() throws Exception {
    w = new LedgerWorld(tmp);
    w.leases(attached("ib0", 0, "0000:07:00.1", "one-42"),
        attached("ib0", 1, "0000:07:00.2", "one-43"),
        attached("enp8s0f0", 1, "0000:08:00.2", "one-50").withState(LeaseState.RESERVED, LedgerWorld.CLOCK.instant()),
        attached("ib9", 0, "0000:09:00.1", "one-60"));
    w.domains.add(domain("one-42", DomainState.RUNNING, "0000:07:00.1"));
    w.domains.add(domain("one-44", DomainState.PAUSED, "0000:07:00.4"));
    w.domains.add(domain("one-50", DomainState.RUNNING, "0000:08:00.2"));
    w.domains.add(domain("one-61", DomainState.SHUTOFF, "0000:07:00.3")); // defined, not running: holds nothing
  }

  @Test
  void printsCountsHoldersAndDrift() {
    CliRun r = w.run("status");
    assertThat(r.err()).isEmpty();
    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).isEqualTo("""
        ib0 (mlnx_ofed2): 4 VFs, 1 free, 2 leased, 1 in use without a lease, 1 waiting to be released
          VF  ADDRESS       STATE     LEASED TO  HELD BY (libvirt)
          0   0000:07:00.1  attached  one-42     one-42
          1   0000:07:00.2  attached  one-43     -
          3   0000:07:00.4  -         -          one-44
          drift: VF 1 (0000:07:00.2) is leased to one-43 as attached but no running domain holds it
          drift: VF 3 (0000:07:00.4) is in running domain one-44 but has no lease
        enp8s0f0 (generic): 3 VFs, 2 free, 1 leased
          VF  ADDRESS       STATE     LEASED TO  HELD BY (libvirt)
          1   0000:08:00.2  reserved  one-50     one-50
        stray lease: ib9 VF 0 (0000:09:00.1) leased to one-60 is not in host.yaml's VF map of ib9
        waiting: ib0 VF 1 (0000:07:00.2) leased to one-43: domain one-43 does not exist; no pass has seen this yet: \
        the next starts its 300 s grace period
        waiting: ib9 VF 0 (0000:09:00.1) leased to one-60: domain one-60 does not exist; no pass has seen this yet: \
        the next starts its 300 s grace period
        """);
  }

  @Test
  void printsJson() throws Exception {
    CliRun r = w.run("status", "--json");
    assertThat(r.exitCode()).isZero();
    JsonNode j = JsonMapper.builder().build().readTree(r.out());
    JsonNode ib0 = j.get("pfs").get(0);
    assertThat(ib0.get("pf").stringValue()).isEqualTo("ib0");
    assertThat(ib0.get("total").intValue()).isEqualTo(4);
    assertThat(ib0.get("free").intValue()).isEqualTo(1);
    assertThat(ib0.get("leased").intValue()).isEqualTo(2);
    assertThat(ib0.get("untracked").intValue()).isEqualTo(1);
    assertThat(ib0.get("vfs").get(0).get("lease").get("domain").stringValue()).isEqualTo("one-42");
    assertThat(ib0.get("vfs").get(0).get("held_by").get(0).stringValue()).isEqualTo("one-42");
    assertThat(ib0.get("vfs").get(2).get("free").booleanValue()).isTrue();
    assertThat(ib0.get("drift")).hasSize(2);
    assertThat(j.get("pfs").get(1).get("vfs")).hasSize(3);
    assertThat(j.get("stray_leases").get(0).get("pf").stringValue()).isEqualTo("ib9");
    assertThat(j.get("libvirt").get("reachable").booleanValue()).isTrue();
    assertThat(j.get("waiting")).extracting(n -> n.get("domain").stringValue() + " " + n.get("seconds_left").intValue())
        .containsExactly("one-43 300", "one-60 300");
  }

  @Test
  void withoutLibvirtPrintsTheLedgerAndFails() throws Exception {
    byte[] before = w.ledgerBytes();
    CliRun r = w.run(uri -> {
      throw new HypervisorException("cannot connect to " + uri + ": socket missing");
    }, "status");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.out()).contains("  0   0000:07:00.1  attached  one-42     ?").doesNotContain("drift:")
        .as("without libvirt, which domain holds what is unknown: no wait is claimed").doesNotContain("waiting");
    assertThat(r.err()).isEqualTo("kvm-sriov: libvirt could not be asked which domains hold VFs: "
        + "cannot connect to qemu:///system: socket missing\n");
    CliRun j = w.run(uri -> {
      throw new HypervisorException("cannot connect to " + uri + ": socket missing");
    }, "status", "--json");
    assertThat(JsonMapper.builder().build().readTree(j.out()).get("waiting").isNull()).isTrue();
    assertThat(w.ledgerBytes()).isEqualTo(before);
  }

  @Test
  void asksRealLibvirtThroughTheProductionConnector() throws Exception {
    // libvirt's test driver, started from a node file: one-42 runs holding 07:00.1, one-44 holds 07:00.4
    Path node = tmp.resolve("libvirt-node.xml");
    Files.writeString(node, "<node>" + testDomain("one-42", "0000:07:00.1") + testDomain("one-44", "0000:07:00.4")
        + "</node>");
    CliRun r = CliRun.of("status", "--state", w.state.toString(), "--ledger-dir", w.ledgerDir.toString(),
        "--sysfs-root", w.sysfs.toString(), "--libvirt-uri", "test://" + node.toAbsolutePath());
    assertThat(r.err()).isEmpty();
    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).contains("  0   0000:07:00.1  attached  one-42     one-42",
        "  3   0000:07:00.4  -         -          one-44",
        "drift: VF 3 (0000:07:00.4) is in running domain one-44 but has no lease");
  }

  @Test
  void anUnreachableLibvirtIsReportedWithLibvirtsMessage() {
    CliRun r = CliRun.of("status", "--state", w.state.toString(), "--ledger-dir", w.ledgerDir.toString(),
        "--sysfs-root", w.sysfs.toString(), "--libvirt-uri", "test:///" + tmp.resolve("missing.xml"));
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.out()).contains("  0   0000:07:00.1  attached  one-42     ?");
    assertThat(r.err()).startsWith("kvm-sriov: libvirt could not be asked which domains hold VFs: "
        + "cannot connect to libvirt at test:///" + tmp.resolve("missing.xml"));
  }

  /** A running domain of libvirt's test driver holding {@code vfs} as PCI hostdevs. */
  static String testDomain(String name, String... vfs) {
    StringBuilder devs = new StringBuilder();
    for (String vf : vfs) {
      var a = org.kvmsriov.model.PciAddress.parse(vf);
      devs.append(String.format("<hostdev mode='subsystem' type='pci' managed='yes'><source><address"
          + " domain='0x%04x' bus='0x%02x' slot='0x%02x' function='0x%x'/></source></hostdev>",
          a.domain(), a.bus(), a.slot(), a.function()));
    }
    return "<domain type='test'><name>" + name + "</name><uuid>"
        + java.util.UUID.nameUUIDFromBytes(name.getBytes(java.nio.charset.StandardCharsets.UTF_8))
        + "</uuid><memory>65536</memory><vcpu>1</vcpu><os><type>hvm</type></os><devices>" + devs
        + "</devices></domain>";
  }

  @Test
  void discoversTheVfsOfAPfWithoutANetworkInterfaceByItsPciAddress() throws Exception {
    // an NVMe PF: no sys/class/net entry, only sys/bus/pci/devices/<address> -> the device
    Files.writeString(w.state, """
        version: 1
        pfs:
          nvme0:
            mode: generic
            pci_address: 0000:08:00.0
            discover: true
        """);
    CliRun r = w.run("status");
    assertThat(r.err()).isEmpty();
    // the lease was taken under the name enp8s0f0, so for nvme0 the VF is held without a lease
    assertThat(r.out()).contains("nvme0 (generic): 3 VFs, 2 free, 0 leased, 1 in use without a lease",
        "  1   0000:08:00.2  -      -          one-50",
        "stray lease: enp8s0f0 VF 1 (0000:08:00.2) leased to one-50");
  }

  @Test
  void refusesAnInvalidHostYaml() throws Exception {
    Files.writeString(w.state, "version: 1\npfs:\n  ib0:\n    mode: nope\n");
    CliRun r = w.run("status");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains(w.state + ":4:11: pfs.ib0.mode: \"nope\" is not one of");
    assertThat(r.out()).isEmpty();
    assertThat(w.urisAsked).isEmpty();
  }

  @Test
  void refusesACorruptLedgerAndKeepsIt() throws Exception {
    Path f = w.ledgerDir.resolve("leases.json");
    Files.writeString(f, "{\"version\": 9, \"leases\": [], \"parked\": [], \"history\": []}");
    CliRun r = w.run("status");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).isEqualTo("ledger " + f + " is invalid: version: is 9; this kvm-sriov reads version 1"
        + " (the file was left as it is; fix it or move it aside)\n");
    assertThat(Files.readString(f)).isEqualTo("{\"version\": 9, \"leases\": [], \"parked\": [], \"history\": []}");
  }

  @Test
  void failsWhenADiscoveredPfIsMissingFromSysfs() throws Exception {
    Files.delete(w.sysfs.resolve("sys/class/net/enp8s0f0"));
    CliRun r = w.run("status");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("sys/class/net/enp8s0f0: does not exist: there is no network interface 'enp8s0f0'");
    assertThat(r.out()).isEmpty();
  }
}
