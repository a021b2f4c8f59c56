package org.kvmsriov.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.kvmsriov.testsupport.Cli;
import org.kvmsriov.testsupport.CliRun;
import org.kvmsriov.testsupport.FileTrees;
import org.kvmsriov.testsupport.LedgerWorld;
import org.kvmsriov.testsupport.TreeSnapshot;

/**
 * host.yaml, stored VM templates and the add-on's files that are not regular files — {@code
 * /dev/zero} (never ends), a FIFO (blocks the open), a directory — are refused before they are
 * read, with the file named, exit 2, and nothing changed. A hang here fails the test.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NotRegularFilesTest {

  static final Path ROOT = Path.of(System.getProperty("kvmsriov.projectRoot", "..")).toAbsolutePath().normalize();
  static final String REFUSED = ", not a regular file; refused before reading it";

  @TempDir Path tmp;
  Path fifo;
  Path directory;

  @BeforeEach
  void specialFiles() throws Exception {
    fifo = mkfifo(tmp.resolve("fifo"));
    directory = Files.createDirectory(tmp.resolve("a-directory"));
  }

  static Path mkfifo(Path p) throws Exception {
    Process mk = new ProcessBuilder("mkfifo", p.toString()).inheritIO().start();
    assertThat(mk.waitFor()).isZero();
    return p;
  }

  @Test
  void hostYaml() throws Exception {
    LedgerWorld w = new LedgerWorld(Files.createDirectory(tmp.resolve("world")));
    w.leases();
    Map<String, String> ledger = TreeSnapshot.of(w.ledgerDir);
    for (Path bad : List.of(Path.of("/dev/zero"), fifo, directory)) {
      String kind = bad.equals(directory) ? "is a directory" : "is a device, FIFO or socket";
      CliRun v = CliRun.of("validate", bad.toString());
      assertThat(v.exitCode()).isEqualTo(2);
      assertThat(v.err()).isEqualTo(bad + ": " + kind + REFUSED + "\n");
      CliRun s = Cli.run(w.libvirt(), LedgerWorld.CLOCK, "status", "--state", bad.toString(), "--ledger-dir",
          w.ledgerDir.toString(), "--sysfs-root", w.sysfs.toString());
      assertThat(s.exitCode()).isEqualTo(2);
      assertThat(s.err()).isEqualTo(bad + ": " + kind + REFUSED + "\n");
      assertThat(s.out()).isEmpty();
    }
    assertThat(TreeSnapshot.of(w.ledgerDir)).isEqualTo(ledger);
  }

  @Test
  void addOnFiles() throws Exception {
    Path addon = tmp.resolve("addon");
    FileTrees.copy(ROOT.resolve("examples/legacy-addon"), addon);
    Path map = addon.resolve("vf_maps/ib0");
    Files.delete(map);
    mkfifo(map);
    Map<String, String> before = TreeSnapshot.of(addon);
    CliRun r = CliRun.of("import-legacy", "--vf-maps", addon.resolve("vf_maps").toString(), "--lock-dir",
        addon.resolve("vf_interfaces").toString(), "--kvmrc", "/dev/zero");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).contains("/dev/zero: is a device, FIFO or socket" + REFUSED + "\n")
        .contains(map + ": not a VF map: not a regular file\n");
    CliRun dir = CliRun.of("import-legacy", "--vf-maps", addon.resolve("vf_maps").toString(), "--kvmrc",
        directory.toString());
    assertThat(dir.err()).contains(directory + ": is a directory" + REFUSED + "\n");
    assertThat(TreeSnapshot.of(addon)).isEqualTo(before);
  }
}
