package org.kvmsriov.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.kvmsriov.testsupport.Leases.attached;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvmsriov.port.HypervisorException;
import org.kvmsriov.testsupport.CliRun;
import org.kvmsriov.testsupport.FileTrees;
import org.kvmsriov.testsupport.LedgerWorld;
import org.kvmsriov.testsupport.TreeSnapshot;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Operator commands keep their promises: an atomic --output, clear refusals, JSON even on failure. */
class OperatorPromisesTest {

  static final Path ROOT = Path.of(System.getProperty("kvmsriov.projectRoot", "..")).toAbsolutePath().normalize();

  @TempDir Path tmp;

  CliRun importLegacy(Path addon, String... extra) {
    java.util.List<String> argv = new java.util.ArrayList<>(java.util.List.of("import-legacy", "--vf-maps",
        addon.resolve("vf_maps").toString(), "--lock-dir", addon.resolve("vf_interfaces").toString(), "--kvmrc",
        addon.resolve("kvmrc").toString()));
    argv.addAll(java.util.List.of(extra));
    return CliRun.of(argv.toArray(String[]::new));
  }

  @Test
  void importLegacyOutputIsReplacedWholeOnlyWhenTheImportSucceeds() throws Exception {
    Path addon = tmp.resolve("addon");
    FileTrees.copy(ROOT.resolve("examples/legacy-addon"), addon);
    Path etc = Files.createDirectory(tmp.resolve("etc"));
    Path hostYaml = Files.writeString(etc.resolve("host.yaml"), "# the operator's own host.yaml\n");
    Files.setPosixFilePermissions(hostYaml, PosixFilePermissions.fromString("rw-r-----"));

    Files.writeString(addon.resolve("vf_maps/ib0"), "0x07 0x00 0x01\n0x07  0x00 0x02\n");
    Map<String, String> before = TreeSnapshot.of(etc);
    CliRun bad = importLegacy(addon, "--output", hostYaml.toString());
    assertThat(bad.exitCode()).isEqualTo(2);
    assertThat(bad.err()).contains(addon.resolve("vf_maps/ib0") + ":2:1: '0x07  0x00 0x02' is not a VF map line");
    assertThat(TreeSnapshot.of(etc)).as("old file kept, no temporary file left").isEqualTo(before);

    CliRun mode = importLegacy(addon, "--mode", "foo", "--output", hostYaml.toString());
    assertThat(mode.exitCode()).isEqualTo(2);
    assertThat(mode.err()).contains("--mode: 'foo' is not a mode: generic, mlnx_ofed2 or ethernet\n")
        .doesNotContain("null").doesNotContain("kvmrc");
    assertThat(TreeSnapshot.of(etc)).isEqualTo(before);

    FileTrees.copy(ROOT.resolve("examples/legacy-addon/vf_maps"), tmp.resolve("good-maps"));
    Files.copy(tmp.resolve("good-maps/ib0"), addon.resolve("vf_maps/ib0"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    CliRun printed = importLegacy(addon);
    CliRun written = importLegacy(addon, "--output", hostYaml.toString());
    assertThat(written.exitCode()).isZero();
    assertThat(written.out()).isEmpty();
    assertThat(written.err()).isEqualTo("kvm-sriov: wrote " + hostYaml + "\n");
    assertThat(Files.readString(hostYaml)).isEqualTo(printed.out());
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(hostYaml))).isEqualTo("rw-r-----");
    try (var s = Files.list(etc)) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactly("host.yaml");
    }
  }

  @Test
  void releasingALeaseOfAnUndeclaredPfIsRefusedNamingIt() throws Exception {
    LedgerWorld w = new LedgerWorld(tmp);
    w.leases(attached("ib0", 0, "0000:07:00.1", "one-42"), attached("ib9", 0, "0000:09:00.1", "one-60"));
    Map<String, String> before = TreeSnapshot.of(w.ledgerDir);
    CliRun r = w.run("leases", "release", "ib7", "0", "--reason", "typo", "--force");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).isEqualTo("leases release: PF 'ib7' is not declared in " + w.state
        + " (it declares ib0, enp8s0f0) and no lease names it; nothing released\n");
    assertThat(TreeSnapshot.of(w.ledgerDir)).isEqualTo(before);
    // a stray lease of a PF removed from host.yaml can still be released
    CliRun stray = w.run("leases", "release", "ib9", "0", "--reason", "PF removed", "--force");
    assertThat(stray.exitCode()).as(stray.err()).isZero();
    assertThat(w.ledger().leases()).hasSize(1);
  }

  @Test
  void reconcileJsonSaysWhyWhenLibvirtIsDown() throws Exception {
    LedgerWorld w = new LedgerWorld(tmp);
    w.leases(attached("ib0", 0, "0000:07:00.1", "one-42"));
    Map<String, String> before = TreeSnapshot.of(w.ledgerDir);
    CliRun r = w.run(uri -> {
      throw new HypervisorException("cannot connect to libvirt at " + uri + ": socket missing");
    }, "reconcile", "--once", "--json");
    assertThat(r.exitCode()).isEqualTo(1);
    JsonNode j = JsonMapper.shared().readTree(r.out());
    assertThat(j.get("error").stringValue()).isEqualTo("cannot connect to libvirt at qemu:///system: socket missing");
    assertThat(j.get("actions")).isEmpty();
    assertThat(j.get("converged").isNull()).isTrue();
    assertThat(r.err()).isEqualTo("kvm-sriov: cannot connect to libvirt at qemu:///system: socket missing\n");
    assertThat(TreeSnapshot.of(w.ledgerDir)).isEqualTo(before);
  }
}
