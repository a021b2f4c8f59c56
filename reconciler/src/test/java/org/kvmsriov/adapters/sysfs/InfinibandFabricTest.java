package org.kvmsriov.adapters.sysfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvmsriov.model.Guid;
import org.kvmsriov.model.OfedPort;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.PfName;
import org.kvmsriov.model.Pkey;
import org.kvmsriov.port.GuidInterface;
import org.kvmsriov.port.GuidProgrammer;
import org.kvmsriov.port.IbPort;
import org.kvmsriov.port.IbVfState;
import org.kvmsriov.port.PkeyMapper;
import org.kvmsriov.port.PkeySlot;
import org.kvmsriov.port.VfLinkPolicy;
import org.kvmsriov.testsupport.Mlx4Hca;
import org.kvmsriov.testsupport.ShmTempDir;
import org.kvmsriov.testsupport.SysfsHosts;
import org.kvmsriov.testsupport.SysfsTree;

/**
 * HCA resolution, programmer choice, and mlx4 / MLNX_OFED mlx5 GUID and pkey programming on the
 * standard host, with one refusal per malformed value. Writes are asserted in the files.
 */
class InfinibandFabricTest {

  private static final PfName IB0 = new PfName("ib0");
  private static final PfName IB2 = new PfName("ib2");
  private static final IbPort MLX4_P1 = new IbPort("mlx4_0", 1);
  private static final IbPort MLX4_P2 = new IbPort("mlx4_0", 2);
  private static final IbPort MLX5_P1 = new IbPort("mlx5_0", 1);
  private static final String IOV = "sys/class/infiniband/mlx4_0/iov/";
  private static final String SRIOV = "sys/bus/pci/devices/0000:81:00.0/sriov/";

  @TempDir(factory = ShmTempDir.class) Path root;

  private SysfsTree host(boolean ofed) {
    return SysfsHosts.twoNodeHost(root, ofed).tree();
  }

  private SysfsFabric fabric() {
    return new SysfsFabric(root, () -> {
      throw new AssertionError("sysfs programmers never open netlink");
    });
  }

  // ---- HCA resolution -------------------------------------------------------------------------

  @Test
  void hcaComesFromThePfsPciDevice() {
    host(true);
    assertThat(fabric().ibPort(IB2, Optional.empty())).isEqualTo(MLX5_P1);
    assertThat(fabric().ibPort(IB0, Optional.of(new OfedPort(Optional.empty(), 2)))).isEqualTo(MLX4_P2);
  }

  @Test
  void configuredDeviceWins() {
    SysfsTree t = host(true);
    // An imported add-on configuration naming the HCA: taken as given, even over the PF's own.
    assertThat(fabric().ibPort(IB2, Optional.of(new OfedPort(Optional.of("mlx4_0"), 2)))).isEqualTo(MLX4_P2);
    t.delete("sys/bus/pci/devices/0000:07:00.0/infiniband/mlx4_0/node_guid");
    assertThat(fabric().ibPort(IB0, Optional.of(OfedPort.fromLegacyNumber(0, 1)))).isEqualTo(MLX4_P1);
  }

  @Test
  void refusesAnAbsentConfiguredHca() {
    host(true);
    assertThatThrownBy(() -> fabric().ibPort(IB0, Optional.of(new OfedPort(Optional.of("mlx4_99"), 1))))
        .isInstanceOf(SysfsException.class)
        .hasMessageContaining("sys/class/infiniband/mlx4_99")
        .hasMessageContaining("no InfiniBand device 'mlx4_99'");
  }

  @Test
  void refusesAnAbsentPort() {
    host(true);
    assertThatThrownBy(() -> fabric().ibPort(IB2, Optional.of(new OfedPort(Optional.empty(), 2))))
        .isInstanceOf(SysfsException.class)
        .hasMessageContaining("mlx5_0 has no port 2");
  }

  @Test
  void refusesToGuessThePortOfADualPortHca() {
    host(true);
    assertThatThrownBy(() -> fabric().ibPort(IB0, Optional.empty()))
        .isInstanceOf(SysfsException.class)
        .hasMessageContaining("holds 2 ports; say which one in ofed.port");
  }

  @Test
  void refusesAPfWithoutHca() {
    host(true);
    assertThatThrownBy(() -> fabric().ibPort(new PfName("enp3s0f0"), Optional.empty()))
        .isInstanceOf(SysfsException.class)
        .hasMessageContaining("0000:03:00.0/infiniband")
        .hasMessageContaining("has no InfiniBand device");
  }

  @Test
  void refusesAPfWithTwoHcas() {
    SysfsTree t = host(true);
    t.dir("sys/devices/pci0000:80/0000:80:02.0/0000:81:00.0/infiniband/mlx5_9");
    assertThatThrownBy(() -> fabric().ibPort(IB2, Optional.empty()))
        .isInstanceOf(SysfsException.class)
        .hasMessageContaining("holds 2 entries, expected exactly one HCA");
  }

  // ---- programmer choice ----------------------------------------------------------------------

  @Test
  void programmerFollowsWhatTheHostShows() {
    host(true);
    assertThat(fabric().guidProgrammer(IB0, MLX4_P1).kind()).isEqualTo(GuidInterface.MLX4_ALIAS_GUID);
    assertThat(fabric().guidProgrammer(IB2, MLX5_P1).kind()).isEqualTo(GuidInterface.MLX5_OFED_SYSFS);
    assertThat(fabric().pkeyMapper(IB0, MLX4_P1)).isPresent();
    assertThat(fabric().pkeyMapper(IB2, MLX5_P1)).isEmpty();
  }

  @Test
  void mainlineMlx5GoesThroughNetlink() {
    host(false);
    assertThat(fabric().guidProgrammer(IB2, MLX5_P1).kind()).isEqualTo(GuidInterface.MLX5_NETLINK);
  }

  @Test
  void refusesAHcaWithoutVfGuidInterface() {
    SysfsTree t = host(false);
    t.linkTo("sys/devices/pci0000:80/0000:80:02.0/0000:81:00.0/driver", "sys/bus/pci/drivers/ib_qib");
    assertThatThrownBy(() -> fabric().guidProgrammer(IB2, MLX5_P1))
        .isInstanceOf(SysfsException.class)
        .hasMessageContaining("driver ib_qib")
        .hasMessageContaining("shows no VF GUID interface");
  }

  // ---- mlx4 alias GUIDs -----------------------------------------------------------------------

  @Test
  void mlx4ReadsAdminAndOperationalGuids() {
    host(true);
    GuidProgrammer g = fabric().guidProgrammer(IB0, MLX4_P1);
    IbVfState vf0 = g.read(0).orElseThrow();
    assertThat(vf0.adminPortGuid()).contains(new Guid(Mlx4Hca.VF0_GUID));
    assertThat(vf0.operPortGuid()).contains(new Guid(Mlx4Hca.VF0_GUID));
    assertThat(vf0.nodeGuid()).isEmpty();
    assertThat(vf0.shows(new Guid(Mlx4Hca.VF0_GUID))).isTrue();
    IbVfState vf1 = g.read(1).orElseThrow();
    assertThat(vf1.adminPortGuid().orElseThrow().isUnset()).isTrue(); // deleted entry, all ones
    assertThat(vf1.operPortGuid().orElseThrow().isUnset()).isTrue();
    assertThat(g.read(2).orElseThrow().adminPortGuid()).contains(new Guid(0)); // SM assigns
    assertThat(fabric().guidProgrammer(IB0, MLX4_P2).read(5).orElseThrow().adminPortGuid())
        .contains(new Guid(Mlx4Hca.randomGuid(2, 6)));
  }

  @Test
  void mlx4ProgramsTheSlaveEntryInTheKernelsFormat() {
    SysfsTree t = host(true);
    GuidProgrammer g = fabric().guidProgrammer(IB0, MLX4_P2);
    Guid guid = Guid.parse("00:00:aa:01:c0:a8:0a:07");
    IbVfState after = g.program(5, guid).orElseThrow();
    assertThat(t.read(IOV + "ports/2/admin_guids/6")).isEqualTo("aa01c0a80a07\n");
    assertThat(after.adminPortGuid()).contains(guid);
    // The SM has not answered yet: the operational GUID still shows the old one.
    assertThat(after.operPortGuid()).contains(new Guid(Mlx4Hca.randomGuid(2, 6)));
    assertThat(after.shows(guid)).isFalse();
    assertThat(t.read(IOV + "ports/1/admin_guids/6")).isEqualTo(Long.toHexString(Mlx4Hca.randomGuid(1, 6)) + "\n");
  }

  @Test
  void mlx4ClearDeletesAndRestorePutsBack() {
    SysfsTree t = host(true);
    GuidProgrammer g = fabric().guidProgrammer(IB0, MLX4_P1);
    IbVfState saved = g.read(0).orElseThrow();
    g.clear(0);
    assertThat(t.read(IOV + "ports/1/admin_guids/1")).isEqualTo("ffffffffffffffff\n");
    g.restore(saved);
    assertThat(t.read(IOV + "ports/1/admin_guids/1")).isEqualTo("aa00c0a80a05\n");
  }

  @Test
  void refusesToProgramUnsetGuids() {
    SysfsTree t = host(true);
    for (GuidProgrammer g : List.of(fabric().guidProgrammer(IB0, MLX4_P1), fabric().guidProgrammer(IB2, MLX5_P1))) {
      for (long v : new long[] {0L, -1L}) {
        assertThatThrownBy(() -> g.program(3, new Guid(v)))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("means 'unset'");
      }
    }
    assertThat(t.read(IOV + "ports/1/admin_guids/4")).isEqualTo(Long.toHexString(Mlx4Hca.randomGuid(1, 4)) + "\n");
    assertThat(t.read(SRIOV + "3/node")).isEqualTo("02:00:00:00:00:00:00:03\n");
  }

  @Test
  void refusesVfsBeyondThoseEnabled() {
    host(true);
    // admin_guids has 128 entries, but only 16 belong to VFs.
    assertThatThrownBy(() -> fabric().guidProgrammer(IB0, MLX4_P1).program(16, Guid.parse("0x1234")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("the PF has 16 VFs");
  }

  @Test
  void refusesMalformedAdminGuids() {
    SysfsTree t = host(true);
    GuidProgrammer g = fabric().guidProgrammer(IB0, MLX4_P1);
    for (String bad : List.of("0xaa00c0a80a05", "AA00C0A80A05", "00aa00c0a80a05", "aa00c0a80a05ff001", "")) {
      t.attr(IOV + "ports/1/admin_guids/4", bad);
      assertThatThrownBy(() -> g.read(3))
          .isInstanceOf(SysfsException.class)
          .hasMessageContaining("admin_guids/4")
          .hasMessageContaining("'" + bad + "'");
    }
  }

  @Test
  void refusesMalformedGids() {
    SysfsTree t = host(true);
    t.attr(IOV + "ports/1/gids/1", "fe80::aa00:c0a8:a05");
    assertThatThrownBy(() -> fabric().guidProgrammer(IB0, MLX4_P1).read(0))
        .isInstanceOf(SysfsException.class)
        .hasMessageContaining("gids/1")
        .hasMessageContaining("expected a GID");
  }

  // ---- mlx4 pkeys -----------------------------------------------------------------------------

  @Test
  void mlx4ReadsThePortTableAndVfSlots() {
    host(true);
    PkeyMapper m = fabric().pkeyMapper(IB0, MLX4_P1).orElseThrow();
    List<Optional<Pkey>> table = m.portPkeys();
    assertThat(table).hasSize(SysfsHosts.PKEY_TABLE - 1);
    assertThat(table.subList(0, 4)).containsExactly(Optional.of(new Pkey(0xffff)), Optional.of(new Pkey(0x800a)),
        Optional.of(new Pkey(0x000b)), Optional.empty());
    List<PkeySlot> vf0 = m.vfSlots(0);
    assertThat(vf0).hasSize(SysfsHosts.PKEY_TABLE - 1);
    assertThat(vf0.subList(0, 3)).containsExactly(PkeySlot.mapped(1), PkeySlot.mapped(0), PkeySlot.blocked());
    assertThat(m.vfSlots(15).subList(0, 2)).containsExactly(PkeySlot.mapped(0), PkeySlot.blocked());
  }

  @Test
  void mlx4MapsAndBlocksVfPkeysInDecimal() {
    SysfsTree t = host(true);
    PkeyMapper m = fabric().pkeyMapper(IB0, MLX4_P2).orElseThrow();
    m.setVfSlot(9, 0, PkeySlot.mapped(8));
    m.setVfSlot(9, 1, PkeySlot.mapped(0));
    m.setVfSlot(9, 2, PkeySlot.blocked());
    String dir = IOV + "0000:07:01.2/ports/2/pkey_idx/"; // slave 10
    assertThat(t.read(dir + "0")).isEqualTo("8\n"); // never "010": that would be octal 8
    assertThat(t.read(dir + "1")).isEqualTo("0\n");
    assertThat(t.read(dir + "2")).isEqualTo("none\n");
    assertThat(m.vfSlots(9).subList(0, 3)).containsExactly(PkeySlot.mapped(8), PkeySlot.mapped(0), PkeySlot.blocked());
    assertThat(t.read(IOV + "0000:07:01.2/ports/1/pkey_idx/0")).isEqualTo("0\n");
  }

  @Test
  void refusesIndexesOutsideTheTables() {
    host(true);
    PkeyMapper m = fabric().pkeyMapper(IB0, MLX4_P1).orElseThrow();
    assertThatThrownBy(() -> m.setVfSlot(3, 0, PkeySlot.mapped(SysfsHosts.PKEY_TABLE - 1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside the port's table of 15");
    assertThatThrownBy(() -> m.setVfSlot(3, 15, PkeySlot.blocked()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no virtual pkey index 15");
  }

  @Test
  void refusesMalformedPkeyIdxEntries() {
    SysfsTree t = host(true);
    PkeyMapper m = fabric().pkeyMapper(IB0, MLX4_P1).orElseThrow();
    for (String bad : List.of("01", "None", "-1", "0x1", " 1")) {
      t.attr(IOV + "0000:07:00.4/ports/1/pkey_idx/5", bad);
      assertThatThrownBy(() -> m.vfSlots(3))
          .isInstanceOf(SysfsException.class)
          .hasMessageContaining("0000:07:00.4/ports/1/pkey_idx/5")
          .hasMessageContaining("'" + bad + "'");
    }
  }

  @Test
  void refusesMalformedPortPkeys() {
    SysfsTree t = host(true);
    PkeyMapper m = fabric().pkeyMapper(IB0, MLX4_P1).orElseThrow();
    for (String bad : List.of("0xFFFF", "ffff", "0x800a0", "0x0")) {
      t.attr("sys/class/infiniband/mlx4_0/ports/1/pkeys/0", bad);
      assertThatThrownBy(m::portPkeys)
          .isInstanceOf(SysfsException.class)
          .hasMessageContaining("ports/1/pkeys/0")
          .hasMessageContaining("'" + bad + "'");
    }
  }

  @Test
  void refusesASlaveDirectoryOfAnotherSlave() {
    SysfsTree t = host(true);
    t.attr(IOV + "0000:07:00.4/ports/1/gid_idx/0", "5");
    assertThatThrownBy(() -> fabric().pkeyMapper(IB0, MLX4_P1).orElseThrow().vfSlots(3))
        .isInstanceOf(SysfsException.class)
        .hasMessageContaining("gid_idx/0")
        .hasMessageContaining("expected slave 4");
  }

  @Test
  void fullSizeConnectX3TablesAreRead() {
    SysfsTree t = SysfsTree.at(root).numa("0-3", "0-3");
    Mlx4Hca.build(t, "0000:00:03.0", PciAddress.parse("0000:07:00.0"), List.of("ib0"), 4, 0);
    PkeyMapper m = fabric().pkeyMapper(IB0, MLX4_P1).orElseThrow();
    assertThat(m.portPkeys()).hasSize(127); // 128 physical entries, the last reserved for "none"
    assertThat(m.vfSlots(3)).hasSize(127);
    assertThat(fabric().guidProgrammer(IB0, MLX4_P1).read(3).orElseThrow().adminPortGuid())
        .contains(new Guid(Mlx4Hca.randomGuid(1, 4)));
  }

  @Test
  void slaveDirectoriesPast79VfsAreNotVfAddresses() {
    SysfsTree t = SysfsTree.at(root).numa("0-3", "0-3");
    Mlx4Hca hca = Mlx4Hca.build(t, "0000:00:03.0", PciAddress.parse("0000:07:00.0"), List.of("ib0"), 100, 0, 4, 128);
    // VF 79 is slave 80: its real address is 0000:07:0a.0, its iov directory 0000:07:10.0.
    assertThat(hca.vfs().get(79)).isEqualTo(PciAddress.parse("0000:07:0a.0"));
    PkeyMapper m = fabric().pkeyMapper(IB0, MLX4_P1).orElseThrow();
    m.setVfSlot(79, 1, PkeySlot.mapped(2));
    assertThat(t.read(IOV + "0000:07:10.0/ports/1/pkey_idx/1")).isEqualTo("2\n");
    assertThat(t.path(IOV + "0000:07:0a.0")).doesNotExist();
    assertThat(m.vfSlots(99)).containsExactly(PkeySlot.mapped(0), PkeySlot.blocked(), PkeySlot.blocked());
  }

  // ---- MLNX_OFED mlx5 -------------------------------------------------------------------------

  @Test
  void ofedReadsNodePortAndPolicy() {
    host(true);
    GuidProgrammer g = fabric().guidProgrammer(IB2, MLX5_P1);
    assertThat(g.read(1)).contains(new IbVfState(1, Optional.of(Guid.parse("02:00:00:00:00:00:00:01")),
        Optional.empty(), Optional.of(Guid.parse("02:00:00:00:00:00:00:01")), Optional.of(VfLinkPolicy.UP)));
    IbVfState vf2 = g.read(2).orElseThrow();
    assertThat(vf2.nodeGuid().orElseThrow().isUnset()).isTrue();
    assertThat(vf2.policy()).contains(VfLinkPolicy.DOWN);
  }

  @Test
  void ofedProgramsNodeAndPortAndFollows() {
    SysfsTree t = host(true);
    GuidProgrammer g = fabric().guidProgrammer(IB2, MLX5_P1);
    Guid guid = Guid.parse("00:00:aa:00:c0:a8:0a:09");
    IbVfState saved = g.read(2).orElseThrow();
    assertThat(g.program(2, guid).orElseThrow().shows(guid)).isTrue();
    assertThat(t.read(SRIOV + "2/node")).isEqualTo("00:00:aa:00:c0:a8:0a:09\n");
    assertThat(t.read(SRIOV + "2/port")).isEqualTo("00:00:aa:00:c0:a8:0a:09\n");
    assertThat(t.read(SRIOV + "2/policy")).isEqualTo("Follow\n");
    g.restore(saved);
    assertThat(t.read(SRIOV + "2/node")).isEqualTo("00:00:00:00:00:00:00:00\n");
    assertThat(t.read(SRIOV + "2/policy")).isEqualTo("Down\n");
    g.program(4, guid);
    g.clear(4);
    assertThat(t.read(SRIOV + "4/port")).isEqualTo("00:00:00:00:00:00:00:00\n");
  }

  @Test
  void refusesMalformedOfedValues() {
    SysfsTree t = host(true);
    GuidProgrammer g = fabric().guidProgrammer(IB2, MLX5_P1);
    t.attr(SRIOV + "3/node", "02:00:00:00:00:00:03");
    assertThatThrownBy(() -> g.read(3)).isInstanceOf(SysfsException.class)
        .hasMessageContaining("sriov/3/node").hasMessageContaining("'02:00:00:00:00:00:03'");
    t.attr(SRIOV + "3/node", "02:00:00:00:00:00:00:03");
    t.attr(SRIOV + "3/port", "02:00:00:00:00:00:00:0A");
    assertThatThrownBy(() -> g.read(3)).isInstanceOf(SysfsException.class).hasMessageContaining("sriov/3/port");
    t.attr(SRIOV + "3/port", "02:00:00:00:00:00:00:03");
    t.attr(SRIOV + "3/policy", "Invalid policy");
    assertThatThrownBy(() -> g.read(3)).isInstanceOf(SysfsException.class)
        .hasMessageContaining("sriov/3/policy").hasMessageContaining("expected Down, Up or Follow");
  }

  @Test
  void refusesAnAbsentOfedVf() {
    host(true);
    assertThatThrownBy(() -> fabric().guidProgrammer(IB2, MLX5_P1).program(8, Guid.parse("0x99")))
        .isInstanceOf(SysfsException.class).hasMessageContaining("sriov/8").hasMessageContaining("no VF 8");
  }
}
