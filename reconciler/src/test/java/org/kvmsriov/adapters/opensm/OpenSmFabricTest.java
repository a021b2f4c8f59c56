package org.kvmsriov.adapters.opensm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.kvmsriov.model.Guid;
import org.kvmsriov.model.Pkey;
import org.kvmsriov.model.SubnetManagerSpec;
import org.kvmsriov.port.Membership;
import org.kvmsriov.port.PartitionMember;
import org.kvmsriov.port.SubnetManager.Removal;

/**
 * tldr: the OpenSM adapter against a real OpenSM (Debian's opensm) on a simulated fabric (ibsim,
 * started by {@code src/test/support/opensm-sim.sh}): a switch, the SM's HCA, Hca2, Hca3 and
 * VfHca, whose port GUID the test programs at run time as kvm-sriov programs a VF's. Every test
 * ends with what OpenSM put into the ports' pkey tables ({@code smpquery pkeys}), not with the
 * file's text. Skipped only when ibsim, OpenSM or infiniband-diags are not installed.
 */
@Tag("opensm")
class OpenSmFabricTest {

  static final Path ROOT = Path.of(System.getProperty("kvmsriov.projectRoot", "..")).toAbsolutePath().normalize();
  static final Path SCRIPT = ROOT.resolve("reconciler/src/test/support/opensm-sim.sh");
  static final Path WORK = ROOT.resolve("reconciler/target/opensm-sim");
  /** Direct routes from the SM's HCA: the HCA on switch port N. */
  static final String HCA2 = "0,1,2";
  static final String HCA3 = "0,1,3";
  static final String VF = "0,1,4";
  /** The operator's file: kvm-sriov must leave every byte of it. */
  static final String OPERATOR = """
      # partitions of the simulated fabric, kept by hand
      Default=0x7fff, ipoib : ALL=full, SELF=full ;
      storage = 0x0010, ipoib, defmember=full :
          SELF ;   # Hca2 joins below, on its own line
      storage = 0x0010 : %s=full ;
      """;
  static final Pkey VLAN_20000 = new Pkey(20000);

  static OpenSmSubnetManager sm;
  static Path partitions;
  static String operatorText;

  @BeforeAll
  static void startOpenSmOnASimulatedFabric() throws Exception {
    Assumptions.assumeTrue(script("check").exit == 0,
        "skipped: " + script("check").out.strip() + "; bin/install-deps installs opensm, ibsim-utils,"
            + " libumad2sim0 and infiniband-diags");
    Files.createDirectories(WORK);
    partitions = WORK.resolve("partitions.conf");
    // the first start writes no partitions.conf of its own when one is there; Hca2's GUID is
    // only known once the fabric runs, so start, read it, write the operator's file, HUP
    Files.writeString(partitions, "Default=0x7fff, ipoib : ALL=full, SELF=full ;\n");
    ok(script("start", WORK.toString()));
    operatorText = OPERATOR.formatted(portGuid(HCA2).toHex());
    Files.writeString(partitions, operatorText);
    Path pid = WORK.resolve("opensm.pid");
    sm = new OpenSmSubnetManager(new SubnetManagerSpec.OpenSm("fabric", partitions, Optional.empty(),
        SubnetManagerSpec.Reload.HUP, Optional.of(pid)), Duration.ofSeconds(30));
    ok(new ProcessBuilder("sh", "-c", "kill -HUP \"$(cat " + pid + ")\"").start());
    awaitPkeys(HCA2, t -> t.contains(0x8010));
  }

  @AfterAll
  static void stop() throws Exception {
    if (Files.exists(WORK)) {
      script("stop", WORK.toString());
    }
  }

  @BeforeEach
  void operatorFileOnly() throws IOException {
    Files.writeString(partitions, operatorText);
  }

  @Test
  void aVfsProgrammedGuidJoinsThePartitionOfItsVlanAndLeavesIt() throws Exception {
    Guid vf = Guid.parse("0xaa000000004e2001");
    ok(script("guid", WORK.toString(), vf.toHex()));

    sm.add(VLAN_20000, vf, Membership.FULL);

    assertThat(awaitPkeys(VF, t -> t.contains(0xce20))).containsExactly(0xffff, 0xce20);
    assertThat(pkeys(HCA2)).doesNotContain(0xce20, 0x4e20);
    assertThat(pkeys(HCA3)).doesNotContain(0xce20, 0x4e20);
    assertThat(sm.observe(Set.of(vf))).containsExactly(new PartitionMember(new Pkey(0x4e20), vf, Membership.FULL, true));
    assertThat(Files.readString(partitions)).startsWith(operatorText);

    assertThat(sm.remove(VLAN_20000, vf)).isEqualTo(Removal.REMOVED);

    assertThat(awaitPkeys(VF, t -> !t.contains(0xce20))).containsExactly(0xffff);
    assertThat(Files.readString(partitions)).isEqualTo(operatorText);
  }

  @Test
  void aLimitedMemberGetsTheKeyWithoutItsMembershipBit() throws Exception {
    Guid hca3 = portGuid(HCA3);

    sm.add(VLAN_20000, hca3, Membership.LIMITED);

    assertThat(awaitPkeys(HCA3, t -> t.contains(0x4e20))).containsExactly(0xffff, 0x4e20);
    assertThat(pkeys(VF)).doesNotContain(0xce20, 0x4e20);
    sm.remove(VLAN_20000, hca3);
    awaitPkeys(HCA3, t -> !t.contains(0x4e20));
  }

  @Test
  void aNewLeasesGuidTakesOverAndTheOldGuidLeavesNoTrace() throws Exception {
    Guid first = Guid.parse("0xaa000000004e2011");
    Guid second = Guid.parse("0xaa000000004e2012");
    ok(script("guid", WORK.toString(), first.toHex()));
    sm.add(VLAN_20000, first, Membership.FULL);
    awaitPkeys(VF, t -> t.contains(0xce20));

    // the VF is released and leased again: a new GUID is programmed and joins, the old one leaves
    ok(script("guid", WORK.toString(), second.toHex()));
    sm.add(VLAN_20000, second, Membership.FULL);
    assertThat(sm.remove(VLAN_20000, first)).isEqualTo(Removal.REMOVED);

    assertThat(awaitPkeys(VF, t -> t.contains(0xce20))).containsExactly(0xffff, 0xce20);
    assertThat(sm.observe(Set.of(first, second)))
        .containsExactly(new PartitionMember(new Pkey(0x4e20), second, Membership.FULL, true));

    // the VF's GUID changes behind the SM's back (a release resetting it): on the next sweep the
    // port is no longer the listed member and loses the key
    ok(script("guid", WORK.toString(), "0xaa000000004e20ff"));
    sm.add(new Pkey(0x4e21), second, Membership.FULL); // any change: OpenSM sweeps on HUP
    assertThat(awaitPkeys(VF, t -> !t.contains(0xce20))).containsExactly(0xffff);
    sm.remove(new Pkey(0x4e21), second);
    sm.remove(VLAN_20000, second);
  }

  @Test
  void neverTakesOutWhatTheOperatorListed() throws Exception {
    Guid hca2 = portGuid(HCA2);

    assertThat(sm.remove(new Pkey(0x10), hca2)).isEqualTo(Removal.KEPT);

    assertThat(Files.readString(partitions)).isEqualTo(operatorText);
    assertThat(pkeys(HCA2)).contains(0x8010);
    assertThat(sm.observe(Set.of(hca2)))
        .containsExactly(new PartitionMember(new Pkey(0x10), hca2, Membership.FULL, false));
  }

  // --- the simulated fabric

  record Run(int exit, String out) {}

  static Run script(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(SCRIPT.toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Run(p.waitFor(), out);
  }

  static void ok(Run r) {
    assertThat(r.exit).as(r.out).isZero();
  }

  static void ok(Process p) throws InterruptedException {
    assertThat(p.waitFor()).isZero();
  }

  static Guid portGuid(String route) throws Exception {
    Run r = script("run", WORK.toString(), "smpquery", "-D", "nodeinfo", route, "1");
    ok(r);
    String line = r.out.lines().filter(l -> l.startsWith("PortGuid:")).findFirst().orElseThrow();
    return Guid.parse(line.substring(line.lastIndexOf('.') + 1));
  }

  /** The non-empty entries of the port's pkey table, as the SM programmed them. */
  static List<Integer> pkeys(String route) throws Exception {
    Run r = script("run", WORK.toString(), "smpquery", "-D", "pkeys", route, "1");
    ok(r);
    List<Integer> keys = new ArrayList<>();
    r.out.lines().filter(l -> l.matches("\\s*\\d+:.*")).forEach(l -> {
      for (String k : l.substring(l.indexOf(':') + 1).trim().split("\\s+")) {
        int v = Integer.parseInt(k.substring(2), 16);
        if (v != 0) {
          keys.add(v);
        }
      }
    });
    return keys;
  }

  /** Polls the port's table until {@code until} holds (OpenSM sweeps after a HUP), 90 s at most (a loaded machine). */
  static List<Integer> awaitPkeys(String route, Predicate<List<Integer>> until) throws Exception {
    Instant deadline = Instant.now().plusSeconds(90);
    while (true) {
      List<Integer> t = pkeys(route);
      if (until.test(t)) {
        return t;
      }
      assertThat(Instant.now()).as("pkey table of " + route + " is still " + t).isBefore(deadline);
      Thread.sleep(100);
    }
  }
}
