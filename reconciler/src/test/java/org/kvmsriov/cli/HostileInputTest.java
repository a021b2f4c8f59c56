package org.kvmsriov.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvmsriov.ledger.FileLedger;
import org.kvmsriov.testsupport.Cli;
import org.kvmsriov.testsupport.CliRun;
import org.kvmsriov.testsupport.DriverWorld;
import org.kvmsriov.testsupport.FileTrees;
import org.kvmsriov.testsupport.Malformed;
import org.kvmsriov.testsupport.ShmTempDir;
import org.kvmsriov.testsupport.VnmTemplate;

/**
 * No input, however malformed, makes kvm-sriov print a stack trace or a Java class name (without
 * KVM_SRIOV_DEBUG): a few hundred generated variants of host.yaml, deployment XML, VM templates,
 * the ledger file, the add-on's files and driver argv, each run through the CLI as a user or
 * OpenNebula would. Each run must exit 0, 1 or 2, and driver and vnm failures must be framed.
 */
class HostileInputTest {

  static final Path ROOT = Path.of(System.getProperty("kvmsriov.projectRoot", "..")).toAbsolutePath().normalize();

  /** What must never reach an operator: a stack frame, a qualified or exception class name. */
  static final Pattern LEAK = Pattern.compile("\\tat |Caused by:|\\b(?:java|javax|jdk|sun|org|com|tools|picocli)"
      + "\\.[a-z]+\\.|\\b[A-Z][A-Za-z]*(?:Exception|Error)\\b|\\b[A-Z][A-Za-z]+\\.[a-z][A-Za-z]*\\(");

  @TempDir(factory = ShmTempDir.class) static Path dir;
  static DriverWorld w;
  final List<String> checked = new ArrayList<>();

  @BeforeAll
  static void world() throws Exception {
    w = new DriverWorld(dir, DriverWorld.TWO_PFS);
  }

  @AfterAll
  static void close() {
    w.close();
  }

  /** Checks one run; {@code framed}: a driver or vnm step, whose failures OpenNebula shows framed. */
  static void clean(String what, String input, CliRun r, boolean framed) {
    String shown = input.length() > 300 ? input.substring(0, 300) + "…" : input;
    assertThat(r.exitCode()).as("%s exit code for input:%n%s%nstderr: %s", what, shown, r.err()).isBetween(0, 2);
    assertThat(r.err() + r.out()).as("%s output for input:%n%s", what, shown).doesNotContainPattern(LEAK);
    if (r.exitCode() != 0) {
      assertThat(r.err()).as("%s says why for input:%n%s", what, shown).isNotBlank();
      if (framed) {
        assertThat(r.err()).as("%s framed for input:%n%s", what, shown)
            .contains("ERROR MESSAGE --8<------\n").endsWith("ERROR MESSAGE ------>8--\n");
      }
    }
  }

  static Path write(String name, String text) throws Exception {
    return Files.write(dir.resolve(name), text.getBytes(StandardCharsets.ISO_8859_1.newEncoder().canEncode(text)
        ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8));
  }

  @Test
  void malformedHostYaml() throws Exception {
    String good = Files.readString(w.state);
    int i = 0;
    for (String bad : new Malformed(1).of(good, 150)) {
      Path f = write("host-" + i++ + ".yaml", bad);
      clean("validate", bad, CliRun.of("validate", f.toString()), false);
      if (i % 5 == 0) {
        clean("status", bad, Cli.run(w.devices.connector(), Clock.systemUTC(), "status", "--state", f.toString(),
            "--ledger-dir", w.ledgerDir.toString(), "--sysfs-root", w.host.tree().root().toString()), false);
      }
    }
  }

  @Test
  void malformedDeploymentXml() throws Exception {
    String good = """
        <domain type='kvm'><name>one-%d</name><vcpu>1</vcpu><memory>65536</memory>
        <os><type arch='x86_64'>hvm</type></os><devices>
        <interface type='bridge'><source bridge='sriov_ib0'/><mac address='02:00:0a:00:00:01'/></interface>
        <hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0x05'
         slot='0x00' function='0x0'/></source></hostdev>
        </devices></domain>
        """;
    int vm = 1000;
    for (String bad : new Malformed(2).of(good, 120)) {
      String xml = bad.replace("%d", Integer.toString(vm));
      clean("deploy", xml, w.driver(xml, "deploy", w.vmDir(vm).resolve("deployment.0").toString(), "node01",
          Integer.toString(vm), "node01"), true);
      vm++;
    }
  }

  @Test
  void malformedVmTemplates() throws Exception {
    String good = VnmTemplate.vm(7).nic(0, "sriov_ib0", "02:00:0a:00:07:00", "12", "sriov_partition", false).xml();
    for (String bad : new Malformed(3).of(good, 60)) {
      String b64 = java.util.Base64.getEncoder().encodeToString(bad.getBytes(StandardCharsets.UTF_8));
      clean("vnm pre", bad, w.vnm(b64, "pre"), true);
      clean("vnm clean", bad, w.vnm(bad, "clean", "one-7"), true);
    }
  }

  @Test
  void malformedLedgerFiles() throws Exception {
    Path ledger = Files.createDirectories(dir.resolve("ledger-fuzz"));
    String good = Files.readString(ROOT.resolve("examples/demo/leases.json"));
    for (String bad : new Malformed(4).of(good, 60)) {
      Files.write(ledger.resolve(FileLedger.FILE), bad.getBytes(StandardCharsets.ISO_8859_1));
      for (String[] cmd : new String[][] {{"leases", "list", "--json"}, {"status"}}) {
        List<String> argv = new ArrayList<>(List.of(cmd));
        argv.addAll(cmd[0].equals("leases") ? 2 : 1, List.of("--state", w.state.toString(), "--ledger-dir",
            ledger.toString(), "--sysfs-root", w.host.tree().root().toString()));
        clean(String.join(" ", cmd), bad, Cli.run(w.devices.connector(), Clock.systemUTC(),
            argv.toArray(String[]::new)), false);
      }
    }
  }

  @Test
  void malformedAddOnFiles() throws Exception {
    Path addon = ROOT.resolve("examples/legacy-addon");
    Malformed m = new Malformed(5);
    int i = 0;
    for (String file : List.of("vf_maps/ib0", "vf_maps/ib0_ofed", "kvmrc")) {
      for (String bad : m.of(Files.readString(addon.resolve(file)), 20)) {
        Path copy = dir.resolve("addon-" + i++);
        FileTrees.copy(addon, copy);
        Files.write(copy.resolve(file), bad.getBytes(StandardCharsets.ISO_8859_1));
        clean("import-legacy " + file, bad, CliRun.of("import-legacy", "--vf-maps", copy.resolve("vf_maps").toString(),
            "--lock-dir", copy.resolve("vf_interfaces").toString(), "--kvmrc", copy.resolve("kvmrc").toString()), false);
      }
    }
  }

  @Test
  void malformedDriverArgv() {
    java.util.Random random = new java.util.Random(6);
    List<String> actions = List.of("deploy", "shutdown", "cancel", "save", "restore", "migrate", "attach_nic",
        "detach_nic", "poll", "migrate_in_reserve", "migrate_in_attach", "reboot", "x", "");
    List<String> tokens = List.of("", "one-1", "7", "-1", "99999999999", "../../etc/passwd", "/tmp/../x", "node01",
        "02:00:0a:00:00:01", "zz:zz", "sriov_ib0", "sriov_", "ib0/0/02:00:0a:00:00:01/0x8001", "a\u0001b",
        "x".repeat(5000), "--state", "-h", "0000:07:00.1", "sriov_../x", "%s%n", "\u00e9\u00e8");
    for (int i = 0; i < 80; i++) {
      List<String> argv = new ArrayList<>(List.of("driver", "--ledger-dir", w.ledgerDir.toString(), "--state",
          w.state.toString(), "--sysfs-root", w.host.tree().root().toString(),
          actions.get(random.nextInt(actions.size()))));
      for (int n = random.nextInt(7); n > 0; n--) {
        argv.add(tokens.get(random.nextInt(tokens.size())));
      }
      CliRun r = Cli.run(w.devices.connector(), Clock.systemUTC(), argv.toArray(String[]::new));
      clean("driver", String.join(" ", argv), r, true);
    }
  }
}
