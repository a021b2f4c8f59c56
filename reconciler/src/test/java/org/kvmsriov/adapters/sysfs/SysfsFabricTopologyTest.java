package org.kvmsriov.adapters.sysfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.PfName;
import org.kvmsriov.port.NumaNode;
import org.kvmsriov.port.SriovCounts;
import org.kvmsriov.port.VfInfo;
import org.kvmsriov.testsupport.ShmTempDir;
import org.kvmsriov.testsupport.SysfsHosts;
import org.kvmsriov.testsupport.SysfsHosts.TwoNodeHost;
import org.kvmsriov.testsupport.SysfsTree;

/** Topology reads on the standard two-node host, and one refusal per malformed value. */
class SysfsFabricTopologyTest {

  @TempDir(factory = ShmTempDir.class) Path root;
  TwoNodeHost host;
  SysfsTree tree;
  SysfsFabric fabric;

  @BeforeEach
  void build() {
    host = SysfsHosts.twoNodeHost(root, true);
    tree = host.tree();
    fabric = new SysfsFabric(root, () -> {
      throw new AssertionError("topology reads never open netlink");
    });
  }

  private static PfName pf(String name) {
    return new PfName(name);
  }

  private static PciAddress pci(String a) {
    return PciAddress.parse(a);
  }

  @Test
  void genericNicHasEightVfsAtThe82599OffsetAndStride() {
    assertThat(fabric.pfAddress(pf("enp3s0f0"))).isEqualTo(pci("0000:03:00.0"));
    assertThat(fabric.counts(pf("enp3s0f0"))).isEqualTo(new SriovCounts(63, 8));
    List<VfInfo> vfs = fabric.vfs(pf("enp3s0f0"));
    assertThat(vfs).extracting(v -> v.address().toString()).containsExactly(
        "0000:03:10.0", "0000:03:10.2", "0000:03:10.4", "0000:03:10.6",
        "0000:03:11.0", "0000:03:11.2", "0000:03:11.4", "0000:03:11.6");
    assertThat(vfs).extracting(VfInfo::index).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
    assertThat(vfs.get(0)).isEqualTo(new VfInfo(pf("enp3s0f0"), 0, pci("0000:03:10.0"), OptionalInt.of(0),
        Optional.of("vfio-pci")));
    assertThat(vfs.get(0).onVfio()).isTrue();
    assertThat(vfs.get(1).driver()).contains("ixgbevf");
    assertThat(vfs.get(2).driver()).isEmpty();
  }

  @Test
  void mlx4VfsAreOrderedByVirtfnNumberNotByName() {
    List<VfInfo> vfs = fabric.vfs(pf("ib0"));
    assertThat(vfs).hasSize(16);
    // virtfn10 sorts before virtfn2 by name; the VF index is the number.
    assertThat(vfs.get(9).address()).isEqualTo(pci("0000:07:01.2"));
    assertThat(vfs.get(10).address()).isEqualTo(pci("0000:07:01.3"));
    assertThat(vfs.get(15).address()).isEqualTo(pci("0000:07:02.0"));
    assertThat(fabric.counts(pf("ib0"))).isEqualTo(new SriovCounts(16, 16));
  }

  @Test
  void bothPortsOfTheDualPortHcaAreTheSamePf() {
    assertThat(fabric.pfAddress(pf("ib1"))).isEqualTo(fabric.pfAddress(pf("ib0")));
    assertThat(fabric.vfs(pf("ib1"))).extracting(VfInfo::address)
        .isEqualTo(fabric.vfs(pf("ib0")).stream().map(VfInfo::address).toList());
  }

  @Test
  void mlx5VfsSitOnTheSecondNode() {
    List<VfInfo> vfs = fabric.vfs(pf("ib2"));
    assertThat(vfs).extracting(v -> v.address().toString()).containsExactly(
        "0000:81:00.2", "0000:81:00.3", "0000:81:00.4", "0000:81:00.5",
        "0000:81:00.6", "0000:81:00.7", "0000:81:01.0", "0000:81:01.1");
    assertThat(vfs).allSatisfy(v -> assertThat(v.numaNode()).hasValue(1));
    assertThat(vfs.get(3).driver()).contains("mlx5_core");
  }

  @Test
  void aPfWithoutNetworkInterfaceIsReadByAddress() {
    tree.delete("sys/class/net/enp3s0f0");
    assertThat(fabric.counts(pci("0000:03:00.0"))).isEqualTo(new SriovCounts(63, 8));
    assertThat(fabric.vfs(pf("nvme0"), pci("0000:03:00.0"))).hasSize(8)
        .allSatisfy(v -> assertThat(v.pf()).isEqualTo(pf("nvme0")));
    assertThatThrownBy(() -> fabric.vfs(pf("x"), pci("0000:09:00.0")))
        .isInstanceOf(SysfsException.class).hasMessageContaining("no PCI device 0000:09:00.0");
  }

  @Test
  void physfnLeadsFromVfToPfAndPfHasNone() {
    assertThat(fabric.physfn(pci("0000:81:00.3"))).contains(pci("0000:81:00.0"));
    assertThat(fabric.physfn(pci("0000:81:00.0"))).isEmpty();
  }

  @Test
  void pathsGoThroughRealSymlinkChains() throws Exception {
    // sys/bus/pci/devices/X is a link into sys/devices/pci0000:00/<bridge>/X, as on a host.
    assertThat(root.resolve("sys/bus/pci/devices/0000:07:00.1").toRealPath())
        .isEqualTo(root.toRealPath().resolve("sys/devices/pci0000:00/0000:00:03.0/0000:07:00.1"));
    assertThat(root.resolve("sys/class/net/ib2/device/virtfn0/physfn").toRealPath())
        .isEqualTo(root.toRealPath().resolve("sys/devices/pci0000:80/0000:80:02.0/0000:81:00.0"));
  }

  @Test
  void numaTopologyComesFromNodeCpulists() {
    assertThat(fabric.numaNodes()).containsExactly(
        new NumaNode(0, List.of(0, 1, 2, 3, 8, 9, 10, 11)),
        new NumaNode(1, List.of(4, 5, 6, 7, 12, 13, 14, 15)));
  }

  @Test
  void withoutNumaSupportTheMachineIsOneNode() {
    tree.delete("sys/devices/system/node/node0/cpulist").delete("sys/devices/system/node/node1/cpulist");
    deleteTree("sys/devices/system/node");
    assertThat(fabric.numaNodes()).containsExactly(new NumaNode(0, java.util.stream.IntStream.range(0, 16)
        .boxed().toList()));
  }

  @Test
  void numaNodeMinusOneMeansUnknown() {
    tree.attr("sys/bus/pci/devices/0000:03:10.2/numa_node", "-1");
    assertThat(fabric.numaNode(pci("0000:03:10.2"))).isEmpty();
    assertThat(fabric.vfs(pf("enp3s0f0")).get(1).numaNode()).isEmpty();
  }

  @Test
  void memoryOnlyNodeHasNoCpus() {
    tree.attr("sys/devices/system/node/node2/cpulist", "");
    assertThat(fabric.numaNodes().get(2)).isEqualTo(new NumaNode(2, List.of()));
  }

  // ---- refusals -------------------------------------------------------------------------------

  @Test
  void refusesMalformedNumaNode() {
    tree.attr("sys/bus/pci/devices/0000:03:10.2/numa_node", "zero");
    assertThatThrownBy(() -> fabric.numaNode(pci("0000:03:10.2")))
        .isInstanceOf(SysfsException.class)
        .hasMessageContaining("0000:03:10.2/numa_node")
        .hasMessageContaining("'zero'");
  }

  @Test
  void refusesNumaNodeWithoutTrailingNewline() {
    tree.raw("sys/bus/pci/devices/0000:03:10.2/numa_node", "0");
    assertThatThrownBy(() -> fabric.numaNode(pci("0000:03:10.2")))
        .isInstanceOf(SysfsException.class)
        .hasMessageContaining("numa_node")
        .hasMessageContaining("not one line ending in a newline");
  }

  @Test
  void refusesAMissingPf() {
    assertThatThrownBy(() -> fabric.vfs(pf("ib9")))
        .isInstanceOf(SysfsException.class)
        .hasMessageContaining("sys/class/net/ib9")
        .hasMessageContaining("no network interface 'ib9'");
  }

  @Test
  void refusesAnInterfaceWithoutPciDevice() {
    tree.dir("sys/devices/virtual/net/lo").linkTo("sys/class/net/lo", "sys/devices/virtual/net/lo");
    assertThatThrownBy(() -> fabric.vfs(pf("lo")))
        .isInstanceOf(SysfsException.class)
        .hasMessageContaining("lo/device")
        .hasMessageContaining("not backed by a PCI device");
  }

  @Test
  void refusesAVirtfnLinkToANonPciName() {
    tree.symlink("sys/bus/pci/devices/0000:03:00.0/virtfn3", "../../etc");
    assertThatThrownBy(() -> fabric.vfs(pf("enp3s0f0")))
        .isInstanceOf(SysfsException.class)
        .hasMessageContaining("virtfn3")
        .hasMessageContaining("'etc', which is not a PCI device name");
  }

  @Test
  void refusesAVirtfnLinkToAnAbsentDevice() {
    tree.symlink("sys/bus/pci/devices/0000:03:00.0/virtfn3", "../0000:03:1f.7");
    assertThatThrownBy(() -> fabric.vfs(pf("enp3s0f0")))
        .isInstanceOf(SysfsException.class)
        .hasMessageContaining("virtfn3")
        .hasMessageContaining("0000:03:1f.7, which is not in sys/bus/pci/devices");
  }

  @Test
  void refusesGapsInVirtfnNumbering() {
    tree.delete("sys/bus/pci/devices/0000:03:00.0/virtfn4");
    assertThatThrownBy(() -> fabric.vfs(pf("enp3s0f0")))
        .isInstanceOf(SysfsException.class)
        .hasMessageContaining("not numbered 0..6");
  }

  @Test
  void refusesAVfWhosePhysfnIsAnotherPf() {
    tree.symlink("sys/bus/pci/devices/0000:03:10.2/physfn", "../0000:03:00.1");
    assertThatThrownBy(() -> fabric.vfs(pf("enp3s0f0")))
        .isInstanceOf(SysfsException.class)
        .hasMessageContaining("0000:03:10.2/physfn")
        .hasMessageContaining("not at the PF 0000:03:00.0");
  }

  @Test
  void refusesMalformedVfCounts() {
    tree.attr("sys/bus/pci/devices/0000:03:00.0/sriov_numvfs", "0x8");
    assertThatThrownBy(() -> fabric.counts(pf("enp3s0f0")))
        .isInstanceOf(SysfsException.class)
        .hasMessageContaining("sriov_numvfs")
        .hasMessageContaining("'0x8'");
    tree.attr("sys/bus/pci/devices/0000:03:00.0/sriov_numvfs", "64");
    assertThatThrownBy(() -> fabric.counts(pf("enp3s0f0")))
        .isInstanceOf(SysfsException.class)
        .hasMessageContaining("more than sriov_totalvfs 63");
  }

  @Test
  void refusesAPfWithoutSriov() {
    tree.delete("sys/bus/pci/devices/0000:03:00.0/sriov_totalvfs");
    assertThatThrownBy(() -> fabric.counts(pf("enp3s0f0")))
        .isInstanceOf(SysfsException.class)
        .hasMessageContaining("0000:03:00.0 has no SR-IOV capability");
  }

  @Test
  void refusesMalformedCpulist() {
    tree.attr("sys/devices/system/node/node1/cpulist", "7-4");
    assertThatThrownBy(() -> fabric.numaNodes())
        .isInstanceOf(SysfsException.class)
        .hasMessageContaining("node1/cpulist")
        .hasMessageContaining("not ascending");
    tree.attr("sys/devices/system/node/node1/cpulist", "4-7;12");
    assertThatThrownBy(() -> fabric.numaNodes())
        .isInstanceOf(SysfsException.class)
        .hasMessageContaining("not a CPU list");
  }

  @Test
  void refusesADriverLinkThatIsAFile() {
    tree.delete("sys/bus/pci/devices/0000:03:10.2/driver").attr("sys/bus/pci/devices/0000:03:10.2/driver", "x");
    assertThatThrownBy(() -> fabric.driver(pci("0000:03:10.2")))
        .isInstanceOf(SysfsException.class)
        .hasMessageContaining("is not a symbolic link");
  }

  @Test
  void refusesAnUnknownPciDevice() {
    assertThatThrownBy(() -> fabric.physfn(pci("0000:09:00.0")))
        .isInstanceOf(SysfsException.class)
        .hasMessageContaining("no PCI device 0000:09:00.0");
  }

  private void deleteTree(String rel) {
    try (var s = java.nio.file.Files.walk(root.resolve(rel))) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
