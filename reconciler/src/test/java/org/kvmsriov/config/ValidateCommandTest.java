package org.kvmsriov.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.kvmsriov.testsupport.CliRun;

/** {@code kvm-sriov validate}: accepted files print ok; each refusal names line, column and cause. */
class ValidateCommandTest {

  @TempDir Path dir;

  static final String GOOD = """
      version: 1
      driver:
        mac_prefix: aa
      pfs:
        ib0:
          mode: mlnx_ofed2
          ofed: {device: mlx4_0, port: 1}
          pkeys: [0x8001, "0x7fff", 32769]
          vfs:
            - 0000:07:00.1
            - "0000:07:00.2"
            - 07:00.3
        enp8s0f0:
          mode: generic
          discover: true
      """;

  private Path write(String name, String text) throws Exception {
    Path f = dir.resolve(name);
    Files.writeString(f, text);
    return f;
  }

  @Test
  void acceptsQuotedAndUnquotedPciAddresses() throws Exception {
    Path f = write("host.yaml", GOOD);
    CliRun r = CliRun.of("validate", f.toString());
    assertThat(r.err()).isEmpty();
    assertThat(r.out()).isEqualTo("ok\n");
    assertThat(r.exitCode()).isZero();
  }

  @Test
  void readsUnquotedAddressAsText() throws Exception {
    var host = HostStateLoader.load(write("host.yaml", GOOD));
    var listed = (org.kvmsriov.model.VfSource.Listed) host.pfs().get(0).vfs();
    assertThat(listed.addresses()).extracting(Object::toString)
        .containsExactly("0000:07:00.1", "0000:07:00.2", "0000:07:00.3");
    assertThat(host.pfs().get(0).pkeys()).extracting(Object::toString)
        .containsExactly("0x8001", "0x7fff", "0x8001");
  }

  @Test
  void usesStateOptionWhenNoFileIsGiven() throws Exception {
    Path f = write("state.yaml", GOOD);
    assertThat(CliRun.of("validate", "--state", f.toString()).exitCode()).isZero();
  }

  static Stream<Arguments> refusals() {
    return Stream.of(
        Arguments.of("unknown key", GOOD.replace("driver:\n", "colour: blue\ndriver:\n"),
            "2:1: unknown key 'colour' at top level"),
        Arguments.of("unknown key in a PF", GOOD.replace("    discover: true", "    discover: true\n    numvfs: 4"),
            "16:5: unknown key 'numvfs' in pfs.enp8s0f0"),
        Arguments.of("bad PCI address", GOOD.replace("07:00.3", "07:00.9"),
            "12:9: '07:00.9' is not a PCI address (expected DDDD:BB:SS.F, e.g. 0000:07:00.1)"),
        Arguments.of("VF listed twice", GOOD.replace("07:00.3", "0000:07:00.1"),
            "12:9: VF 0000:07:00.1 is listed twice in PF 'ib0'"),
        Arguments.of("VF in two PFs", GOOD.replace("    discover: true", "    vfs: [07:00.2]"),
            "15:11: VF 0000:07:00.2 is already listed in PF 'ib0'; a VF belongs to one PF"),
        Arguments.of("PF name is a path", GOOD.replace("  enp8s0f0:", "  ../../etc:"),
            "13:3: PF name '../../etc' is not a valid interface name (no '/', ':' or spaces)"),
        Arguments.of("PF name too long", GOOD.replace("  enp8s0f0:", "  enp8s0f0abcdefgh:"),
            "13:3: PF name 'enp8s0f0abcdefgh' is longer than 15 characters, which Linux does not allow"),
        Arguments.of("pkey out of range", GOOD.replace("0x8001, ", "0x10000, "),
            "8:13: pkey 0x10000 is outside 0x0001-0xffff"),
        Arguments.of("pkey zero", GOOD.replace("0x8001, ", "0, "),
            "8:13: pkey 0x0000 is outside 0x0001-0xffff"),
        Arguments.of("mode foo", GOOD.replace("mode: generic", "mode: foo"),
            "14:11: pfs.enp8s0f0.mode: \"foo\" is not one of generic, mlnx_ofed2, ethernet"),
        Arguments.of("mlnx_ofed2 without ofed", GOOD.replace("    ofed: {device: mlx4_0, port: 1}\n", ""),
            "5:3: PF 'ib0' is in mlnx_ofed2 mode but has no ofed settings"),
        Arguments.of("ofed port 3", GOOD.replace("port: 1", "port: 3"),
            "7:34: pfs.ib0.ofed.port: must have a maximum value of 2"),
        Arguments.of("MAC prefix 02", GOOD.replace("mac_prefix: aa", "mac_prefix: \"02\""),
            "3:15: MAC prefix '02' collides with OpenNebula's default MAC prefix 02"),
        Arguments.of("MAC prefix odd (multicast)", GOOD.replace("mac_prefix: aa", "mac_prefix: ab"),
            "3:15: MAC prefix 'ab' is odd: MACs starting with it are multicast, which libvirt refuses for a NIC"),
        Arguments.of("MAC prefix two octets", GOOD.replace("mac_prefix: aa", "mac_prefix: aabb"),
            "3:15: MAC prefix 'aabb' is not one hex octet (e.g. aa)"),
        Arguments.of("both vfs and discover", GOOD.replace("    discover: true", "    discover: true\n    vfs: [09:00.1]"),
            "15:5: PF 'enp8s0f0' has both vfs and discover: true; choose one"),
        Arguments.of("no VF map", GOOD.replace("    discover: true\n", ""),
            "13:3: PF 'enp8s0f0' has no VF map: list its vfs or set discover: true"),
        Arguments.of("broken indentation", GOOD.replace("    mode: generic", "   mode: generic"),
            "15:13: YAML syntax error: mapping values are not allowed here (check the indentation)"),
        Arguments.of("key indented less than its siblings", GOOD.replace("    pkeys:", "   pkeys:"),
            "8:4: YAML syntax error: while parsing a block mapping: expected <block end>, but found '<block mapping start>' (check the indentation)"),
        Arguments.of("duplicate key", GOOD.replace("  mac_prefix: aa", "  mac_prefix: aa\n  mac_prefix: bb"),
            "YAML syntax error: key \"mac_prefix\" appears twice"),
        Arguments.of("wrong version", GOOD.replace("version: 1", "version: 2"),
            "1:10: version: must be the constant value '1'"),
        Arguments.of("empty file", "", "1:1: the file is empty"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refusals")
  void refusesWithLineColumnAndMessage(String why, String yaml, String expected) throws Exception {
    Path f = write("host.yaml", yaml);
    byte[] before = Files.readAllBytes(f);
    CliRun r = CliRun.of("validate", f.toString());
    assertThat(r.exitCode()).as(why).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).as(why).startsWith(f + ":").contains(expected);
    assertThat(Files.readAllBytes(f)).isEqualTo(before);
  }

  @Test
  void reportsEveryProblemNotJustTheFirst() throws Exception {
    String yaml = GOOD.replace("driver:\n", "colour: blue\ndriver:\n")
        .replace("07:00.3", "07:00.9").replace("mode: generic", "mode: foo");
    CliRun r = CliRun.of("validate", write("host.yaml", yaml).toString());
    assertThat(r.err().lines()).hasSize(3)
        .allSatisfy(l -> assertThat(l).matches(".*host\\.yaml:\\d+:\\d+: .+"));
  }

  @Test
  void missingFileIsBadInput() {
    CliRun r = CliRun.of("validate", dir.resolve("nope.yaml").toString());
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("nope.yaml: no such file");
  }
}
