package org.kvmsriov.legacy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvmsriov.config.HostStateLoader;
import org.kvmsriov.model.Mode;
import org.kvmsriov.model.VfSource;
import org.kvmsriov.testsupport.CliRun;

/** {@code import-legacy} over a copy of the add-on's layout, as its README and scripts define it. */
class ImportLegacyCommandTest {

  @TempDir Path dir;
  Path maps;
  Path locks;
  Path kvmrc;

  @BeforeEach
  void addOnLayout() throws Exception {
    maps = Files.createDirectories(dir.resolve("vf_maps"));
    Files.writeString(maps.resolve("ib0"), "0x07 0x00 0x01\n0x07 0x00 0x02\n0x07 0x00 0x03\n0x07 0x00 0x04\n");
    Files.writeString(maps.resolve("ib0_ofed"), "device 0\nport   1\n");
    locks = Files.createDirectories(dir.resolve("vf_interfaces"));
    Files.writeString(locks.resolve("lock"), "");
    Path ib0 = Files.createDirectories(locks.resolve("ib0"));
    Files.writeString(ib0.resolve("0"), "aa:00:c0:a8:01:0a\n");
    Files.writeString(ib0.resolve("2"), "aa:00:c0:a8:01:0b\n");
    kvmrc = dir.resolve("kvmrc");
    Files.writeString(kvmrc, """
        # kvmrc of the SR-IOV add-on
        export LIBVIRT_URI=qemu:///system
        export QEMU_PROTOCOL=qemu+ssh
        export VF_MAPS_PATH=/var/lib/one/remotes/vmm/kvm-sriov/vf_maps
        export DUMMY_BRIDGE=sriov_dummy
        export DUMMY_MAC_PREFIX=aa
        export DRIVER_MODE="mlnx_ofed2"
        export HPC_MODE=off
        """);
  }

  private CliRun importAll() {
    return CliRun.of("import-legacy", "--vf-maps", maps.toString(), "--lock-dir", locks.toString(),
        "--kvmrc", kvmrc.toString());
  }

  @Test
  void printsHostYamlThatValidatesWithTheSameVfsInTheSameOrder() throws Exception {
    CliRun r = importAll();
    assertThat(r.err()).isEmpty();
    assertThat(r.exitCode()).isZero();
    Path out = dir.resolve("host.yaml");
    Files.writeString(out, r.out());
    assertThat(CliRun.of("validate", out.toString()).out()).isEqualTo("ok\n");

    var host = HostStateLoader.load(out);
    assertThat(host.pfs()).hasSize(1);
    var ib0 = host.pfs().get(0);
    assertThat(ib0.name().value()).isEqualTo("ib0");
    assertThat(((VfSource.Listed) ib0.vfs()).addresses()).extracting(Object::toString)
        .containsExactly("0000:07:00.1", "0000:07:00.2", "0000:07:00.3", "0000:07:00.4");
    var mode = (Mode.MlnxOfed2) ib0.mode();
    assertThat(mode.ofed().device()).contains("mlx4_0");
    assertThat(mode.ofed().port()).isEqualTo(1);
    assertThat(host.libvirtUri()).contains("qemu:///system");
    assertThat(host.driver().dummyBridge()).isEqualTo("sriov_dummy");
  }

  @Test
  void reportsLocksAndIgnoredStockSettings() {
    String out = importAll().out();
    assertThat(out).contains("# in use by the add-on: VF 0 (0000:07:00.1), dummy MAC aa:00:c0:a8:01:0a")
        .contains("# in use by the add-on: VF 2 (0000:07:00.3), dummy MAC aa:00:c0:a8:01:0b")
        .doesNotContain("VF 1 ").contains("QEMU_PROTOCOL is a stock OpenNebula setting");
  }

  @Test
  void smHostBecomesASubnetManagerTheInfinibandPfsName() throws Exception {
    Files.writeString(kvmrc, "export DRIVER_MODE=mlnx_ofed2\nexport SM_HOST=oneadmin@sm1\n", java.nio.file.StandardOpenOption.APPEND);
    CliRun r = importAll();
    assertThat(r.exitCode()).isZero();
    Path out = dir.resolve("host.yaml");
    Files.writeString(out, r.out());

    var host = HostStateLoader.load(out);
    assertThat(host.subnetManagers()).containsExactly(new org.kvmsriov.model.SubnetManagerSpec.OpenSm("opensm",
        Path.of("/etc/opensm/partitions.conf"), java.util.Optional.of("oneadmin@sm1"),
        org.kvmsriov.model.SubnetManagerSpec.Reload.HUP, java.util.Optional.empty()));
    assertThat(host.pfs().get(0).subnetManager()).contains("opensm");
    assertThat(r.out()).contains("kvmrc SM_HOST=oneadmin@sm1: subnet manager 'opensm'");
  }

  @Test
  void refusesAnSmHostSshWouldReadAsAnOption() throws Exception {
    Files.writeString(kvmrc, "export SM_HOST=-oProxyCommand=evil\n");
    CliRun r = importAll();
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).contains("SM_HOST '-oProxyCommand=evil' is not a host name (or user@host) ssh can reach");
  }

  @Test
  void genericModeNeedsNoOfedFile() throws Exception {
    Files.delete(maps.resolve("ib0_ofed"));
    Files.writeString(kvmrc, "export DRIVER_MODE=generic\nexport DUMMY_MAC_PREFIX=AC\n");
    CliRun r = importAll();
    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).contains("mode: generic").contains("mac_prefix: \"ac\"").doesNotContain("ofed");
  }

  @Test
  void refusesABadMapLineWithFileAndLine() throws Exception {
    Files.writeString(maps.resolve("ib0"), "0x07 0x00 0x01\n0x07 0x00  0x02\n0x07 0x00 0x03\n");
    CliRun r = importAll();
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).contains(maps.resolve("ib0") + ":2:1: '0x07 0x00  0x02' is not a VF map line");
  }

  @Test
  void refusesMlnxOfed2WithoutOfedFile() throws Exception {
    Files.delete(maps.resolve("ib0_ofed"));
    CliRun r = importAll();
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("ib0_ofed: missing: mlnx_ofed2 mode needs the device and port of 'ib0'");
  }

  @Test
  void refusesALockBeyondTheMap() throws Exception {
    Files.writeString(locks.resolve("ib0").resolve("7"), "");
    CliRun r = importAll();
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("lock '7' names no line of the VF map of 'ib0' (4 VFs)");
  }

  @Test
  void refusesAMapFileWhoseNameIsNotAnInterface() throws Exception {
    Files.writeString(maps.resolve("this name is far too long"), "0x08 0x00 0x01\n");
    CliRun r = importAll();
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("not a VF map");
  }

  @Test
  void refusesBadKvmrcLinesAndValues() throws Exception {
    Files.writeString(kvmrc, "export DRIVER_MODE=mlnx_ofed2\nthis is not shell\nexport DUMMY_MAC_PREFIX=02\n");
    CliRun r = importAll();
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains(kvmrc + ":2:1: 'this is not shell' is not a KEY=VALUE assignment")
        .contains("DUMMY_MAC_PREFIX: MAC prefix '02' collides with OpenNebula's default MAC prefix 02");
  }

  @Test
  void refusesAnOfedFileWithoutPort() throws Exception {
    Files.writeString(maps.resolve("ib0_ofed"), "device 0\n");
    CliRun r = importAll();
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("needs both a 'device N' and a 'port N' line");
  }
}
