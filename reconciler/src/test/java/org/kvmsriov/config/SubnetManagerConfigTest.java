package org.kvmsriov.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.kvmsriov.model.Guid;
import org.kvmsriov.model.GuidPool;
import org.kvmsriov.model.HostState;
import org.kvmsriov.model.SubnetManagerSpec;
import org.kvmsriov.model.VfReset;
import org.kvmsriov.testsupport.CliRun;

/**
 * host.yaml's subnet managers, GUID pools and VF reset: what a valid file becomes, and each
 * refusal with its line, column and cause (the file untouched).
 */
class SubnetManagerConfigTest {

  @TempDir Path dir;

  static final String GOOD = """
      version: 1
      subnet_managers:
        fabric:
          type: opensm
          partitions_file: /etc/opensm/partitions.conf
          host: root@sm1.example
          reload: hup
          pid_file: /run/opensm.pid
        ufm:
          type: ufm
          url: https://ufm.example/
          credentials_file: /etc/kvm-sriov/ufm.credentials
          verify_tls: false
      pfs:
        ib0:
          mode: mlnx_ofed2
          ofed: {device: mlx5_0, port: 1}
          subnet_manager: fabric
          guid_pool: {first: "0xaa00000000000100", last: "0xaa000000000001ff"}
          reset: flr
          vfs: [0000:07:00.1]
        ib1:
          mode: mlnx_ofed2
          ofed: {port: 1}
          subnet_manager: ufm
          guid_pool: ["0xaa00000000000200", "aa:00:00:00:00:00:02:01"]
          vfs: [0000:08:00.1]
        ib2:
          mode: mlnx_ofed2
          ofed: {device: mlx4_0, port: 1}
          subnet_manager: fabric
          vfs: [0000:09:00.1]
      """;

  private Path write(String text) throws Exception {
    Path f = dir.resolve("host.yaml");
    Files.writeString(f, text);
    return f;
  }

  @Test
  void aValidFileBecomesRecords() throws Exception {
    assertThat(CliRun.of("validate", write(GOOD).toString()).out()).isEqualTo("ok\n");
    HostState host = HostStateLoader.load(write(GOOD));

    assertThat(host.subnetManagers()).containsExactly(
        new SubnetManagerSpec.OpenSm("fabric", Path.of("/etc/opensm/partitions.conf"),
            Optional.of("root@sm1.example"), SubnetManagerSpec.Reload.HUP, Optional.of(Path.of("/run/opensm.pid"))),
        new SubnetManagerSpec.Ufm("ufm", URI.create("https://ufm.example/"),
            Path.of("/etc/kvm-sriov/ufm.credentials"), false));
    var ib0 = host.pfs().get(0);
    assertThat(host.subnetManager(ib0)).containsSame(host.subnetManagers().get(0));
    assertThat(ib0.reset()).isEqualTo(VfReset.FLR);
    assertThat(ib0.guidPool()).contains(new GuidPool.Range(
        Guid.parse("0xaa00000000000100"), Guid.parse("0xaa000000000001ff")));
    var ib1 = host.pfs().get(1);
    assertThat(host.subnetManager(ib1)).containsSame(host.subnetManagers().get(1));
    assertThat(ib1.guidPool()).contains(new GuidPool.Listed(java.util.List.of(
        Guid.parse("0xaa00000000000200"), Guid.parse("0xaa00000000000201"))));
    assertThat(ib1.reset()).isEqualTo(VfReset.NONE);
    // an mlx4 PF may name an SM too (its host-side pkey map and the SM then agree)
    assertThat(host.subnetManager(host.pfs().get(2))).isPresent();
  }

  @Test
  void hostYamlWriterWritesWhatTheLoaderReadsBackEqual() throws Exception {
    HostState host = HostStateLoader.load(write(GOOD));
    String text = HostYamlWriter.write(host, java.util.List.of(), java.util.Map.of());
    assertThat(HostStateLoader.parse("written.yaml", text)).isEqualTo(host);
    String listed = GOOD.replace("guid_pool: {first: \"0xaa00000000000100\", last: \"0xaa000000000001ff\"}",
        "guid_pool: [\"0xaa00000000000100\"]");
    HostState other = HostStateLoader.load(write(listed));
    assertThat(HostStateLoader.parse("written.yaml", HostYamlWriter.write(other, java.util.List.of(), java.util.Map.of())))
        .isEqualTo(other);
  }

  @Test
  void defaultsApplyWhenLeftOut() throws Exception {
    String yaml = GOOD.replace("    reload: hup\n", "").replace("    pid_file: /run/opensm.pid\n", "")
        .replace("    host: root@sm1.example\n", "").replace("    verify_tls: false\n", "");
    HostState host = HostStateLoader.load(write(yaml));
    assertThat(host.subnetManagers().get(0)).isEqualTo(new SubnetManagerSpec.OpenSm("fabric",
        Path.of("/etc/opensm/partitions.conf"), Optional.empty(), SubnetManagerSpec.Reload.HUP, Optional.empty()));
    assertThat(((SubnetManagerSpec.Ufm) host.subnetManagers().get(1)).verifyTls()).isTrue();
  }

  static Stream<Arguments> refusals() {
    return Stream.of(
        Arguments.of("unknown SM", GOOD.replace("subnet_manager: ufm", "subnet_manager: ufm2"),
            "25:21: PF 'ib1' names subnet manager 'ufm2', which subnet_managers does not define (defined: fabric, ufm)"),
        Arguments.of("SM on a generic PF", GOOD.replace("""
                mode: mlnx_ofed2
                ofed: {device: mlx4_0, port: 1}
            """, "    mode: generic\n"),
            "30:5: subnet_manager applies only to mlnx_ofed2 mode, and PF 'ib2' is generic"),
        Arguments.of("relative partitions_file", GOOD.replace("/etc/opensm/partitions.conf", "etc/partitions.conf"),
            "5:22: partitions_file 'etc/partitions.conf' is not an absolute path"),
        Arguments.of("relative credentials_file", GOOD.replace("/etc/kvm-sriov/ufm.credentials", "ufm.credentials"),
            "12:23: credentials_file 'ufm.credentials' is not an absolute path"),
        Arguments.of("opensm without partitions_file", GOOD.replace("    partitions_file: /etc/opensm/partitions.conf\n", ""),
            "3:3: missing required key 'partitions_file' in subnet_managers.fabric"),
        Arguments.of("ufm without url", GOOD.replace("    url: https://ufm.example/\n", ""),
            "9:3: missing required key 'url' in subnet_managers.ufm"),
        Arguments.of("ufm key on opensm", GOOD.replace("    reload: hup\n", "    verify_tls: true\n"),
            "7:5: verify_tls applies only to ufm subnet managers, and 'fabric' is opensm"),
        Arguments.of("opensm key on ufm", GOOD.replace("    verify_tls: false\n", "    host: ufm1\n"),
            "13:5: host applies only to opensm subnet managers, and 'ufm' is ufm"),
        Arguments.of("unknown SM type", GOOD.replace("type: ufm", "type: sm"),
            "10:11: subnet_managers.ufm.type: \"sm\" is not one of opensm, ufm"),
        Arguments.of("unknown SM key", GOOD.replace("    reload: hup\n", "    colour: red\n"),
            "7:5: unknown key 'colour' in subnet_managers.fabric"),
        Arguments.of("reload bogus", GOOD.replace("reload: hup", "reload: restart"),
            "7:13: subnet_managers.fabric.reload: \"restart\" is not one of hup, none"),
        Arguments.of("ssh option as host", GOOD.replace("root@sm1.example", "-oProxyCommand=x"),
            "6:11: host '-oProxyCommand=x' is not a host name (or user@host) ssh can reach"),
        Arguments.of("url not http", GOOD.replace("https://ufm.example/", "ftp://ufm.example/"),
            "11:10: url 'ftp://ufm.example/' is not an http:// or https:// URL with a host"),
        Arguments.of("SM name with a space", GOOD.replace("  ufm:\n", "  \"my ufm\":\n")
                .replace("subnet_manager: ufm", "subnet_manager: my ufm"),
            "9:3: subnet manager name 'my ufm' must be 1-64 letters, digits, '_', '.' or '-'"),
        Arguments.of("overlapping pools", GOOD.replace("\"0xaa00000000000200\"", "\"0xaa00000000000180\""),
            "26:5: the GUID pool of PF 'ib1' overlaps the one of PF 'ib0' (both hold 0xaa00000000000180); a GUID belongs to one PF"),
        Arguments.of("overlapping ranges", GOOD.replace("[\"0xaa00000000000200\", \"aa:00:00:00:00:00:02:01\"]",
                "{first: \"0xaa000000000001fe\", last: \"0xaa00000000000300\"}"),
            "26:5: the GUID pool of PF 'ib1' overlaps the one of PF 'ib0' (both hold 0xaa000000000001fe)"),
        Arguments.of("range backwards", GOOD.replace("last: \"0xaa000000000001ff\"", "last: \"0xaa000000000000ff\""),
            "19:52: the GUID range ends (0xaa000000000000ff) before it starts (0xaa00000000000100)"),
        Arguments.of("range without last", GOOD.replace(", last: \"0xaa000000000001ff\"", ""),
            "19:5: a GUID range needs both first and last"),
        Arguments.of("all-zero GUID", GOOD.replace("\"0xaa00000000000200\"", "\"0x0\""),
            "26:17: GUID 0x0000000000000000 means 'unset' to the HCA and the subnet manager; it cannot be handed out"),
        Arguments.of("all-ones GUID", GOOD.replace("\"0xaa00000000000200\"", "ff:ff:ff:ff:ff:ff:ff:ff"),
            "26:17: GUID 0xffffffffffffffff means 'unset'"),
        Arguments.of("not a GUID", GOOD.replace("\"0xaa00000000000200\"", "vf-one"),
            "26:17: 'vf-one' is not a GUID (write e.g. 0x0002c90300a1b2c3 or 00:02:c9:03:00:a1:b2:c3)"),
        Arguments.of("GUID twice", GOOD.replace("\"0xaa00000000000200\"", "\"0xaa00000000000201\""),
            "26:39: GUID 0xaa00000000000201 is listed twice in the pool"),
        Arguments.of("pool is a number", GOOD.replace("guid_pool: [\"0xaa00000000000200\", \"aa:00:00:00:00:00:02:01\"]",
                "guid_pool: 12"),
            "26:16: guid_pool must be a list of GUIDs or a range {first: GUID, last: GUID}"),
        Arguments.of("reset bogus", GOOD.replace("reset: flr", "reset: bus"),
            "20:12: pfs.ib0.reset: \"bus\" is not one of none, flr"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refusals")
  void refusesWithLineColumnAndMessage(String why, String yaml, String expected) throws Exception {
    Path f = write(yaml);
    byte[] before = Files.readAllBytes(f);
    CliRun r = CliRun.of("validate", f.toString());
    assertThat(r.exitCode()).as(why).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).as(why).startsWith(f + ":").contains(expected);
    assertThat(r.err().lines()).as(why + ": one problem, one line").hasSize(1);
    assertThat(Files.readAllBytes(f)).isEqualTo(before);
  }
}
