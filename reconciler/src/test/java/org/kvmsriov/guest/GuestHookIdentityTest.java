package org.kvmsriov.guest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvmsriov.model.MacAddress;
import org.kvmsriov.model.MacPrefix;
import org.kvmsriov.model.SriovIdentity;

/**
 * The identity contract across languages: the dummy MACs and GUIDs the Java side derives
 * ({@link SriovIdentity}) are what the guest hook ({@code guest/one-context.d/loc-10-network-sriov})
 * decodes back to the right context NICs. The guest's sysfs is a fixture built by
 * {@code guest/test/fixture} (the same layout the shell tests use); the hook renders
 * systemd-networkd files into a temporary tree, so neither root nor a network namespace is needed.
 */
class GuestHookIdentityTest {

  private static final Path ROOT =
      Paths.get(System.getProperty("kvmsriov.projectRoot", "..")).toAbsolutePath().normalize();
  private static final Path HOOK = ROOT.resolve("guest/one-context.d/loc-10-network-sriov");
  private static final Path FIXTURE = ROOT.resolve("guest/test/fixture");

  /** A context NIC: its ETHn name, OpenNebula MAC, IP, and whether it is an SR-IOV NIC. */
  private record Nic(String name, String mac, String ip, boolean sriov) {}

  // NIC order as in the VM template: SR-IOV NICs are not the first ones, so their position among
  // SR-IOV NICs (0, 1, 2) differs from their NIC index (1, 3, 4).
  private static final List<Nic> VM =
      List.of(
          new Nic("ETH0", "02:00:0a:00:00:05", "10.0.0.5", false),
          new Nic("ETH1", "02:00:c0:a8:01:0a", "192.168.1.10", true),
          new Nic("ETH2", "02:00:0a:00:01:05", "10.0.1.5", false),
          new Nic("ETH3", "02:00:c0:a8:02:14", "192.168.2.20", true),
          new Nic("ETH4", "02:00:c0:a8:03:1e", "192.168.3.30", true));

  @TempDir Path tmp;

  @Test
  void mlnxOfed2GuidsFromJavaAreMatchedToTheirContextNics() throws Exception {
    MacPrefix prefix = MacPrefix.DEFAULT;
    Path sysfs = tmp.resolve("sys");
    Map<String, String> expected = new LinkedHashMap<>();
    int position = 0;
    int slot = 3;
    for (Nic nic : VM) {
      String bdf = String.format("0000:00:%02x.0", slot++);
      if (nic.sriov()) {
        // IPoIB VFs are named in no particular relation to the NIC; GUIDs alone identify them
        String ifname = "ibp0s" + (slot - 1);
        SriovIdentity id = new SriovIdentity(prefix, position++, MacAddress.parse(nic.mac()));
        fixture(sysfs, "ipoib", ifname, id.guid().toColons(), bdf, "mlx5_core");
        expected.put(ifname, nic.name());
      } else {
        fixture(sysfs, "virtio-net", "eth" + nic.name().substring(3), nic.mac(), bdf);
      }
    }
    assertThat(expected).hasSize(3);

    Map<String, String> matched = runHook(sysfs, null);

    assertThat(matched).isEqualTo(expected);
  }

  @Test
  void genericDummyMacsFromJavaGiveThePositionOfEachVf() throws Exception {
    MacPrefix prefix = MacPrefix.parse("ac");
    Path sysfs = tmp.resolve("sys");
    Map<String, String> expected = new LinkedHashMap<>();
    int position = 0;
    int virtioSlot = 0x10;
    for (Nic nic : VM) {
      if (nic.sriov()) {
        SriovIdentity id = new SriovIdentity(prefix, position, MacAddress.parse(nic.mac()));
        // deploy gives VF hostdevs guest PCI addresses in position order
        String vf = "enp0s" + (5 + position);
        fixture(sysfs, "pci-net", vf, "1", String.format("5e:00:00:00:00:%02x", position),
            String.format("0000:00:%02x.0", 5 + position), "iavf");
        fixture(sysfs, "virtio-net", "eth" + nic.name().substring(3), id.dummyMac().toString(),
            String.format("0000:00:%02x.0", virtioSlot++));
        expected.put(vf, nic.name());
        position++;
      } else {
        fixture(sysfs, "virtio-net", "eth" + nic.name().substring(3), nic.mac(),
            String.format("0000:00:%02x.0", virtioSlot++));
      }
    }

    Map<String, String> matched = runHook(sysfs, prefix.toString());

    assertThat(matched).isEqualTo(expected);
  }

  @Test
  void positionsPastNineAreOneHexOctetOnBothSides() throws Exception {
    // the add-on wrote "0"+i, an invalid octet from the 11th SR-IOV NIC on; 17 NICs reach 0x10
    MacPrefix prefix = MacPrefix.DEFAULT;
    Path sysfs = tmp.resolve("sys");
    List<Nic> nics = new ArrayList<>();
    Map<String, String> expected = new LinkedHashMap<>();
    for (int i = 0; i < 17; i++) {
      String mac = String.format("02:00:c0:a8:%02x:%02x", 10 + i, 1 + i);
      nics.add(new Nic("ETH" + i, mac, "192.168." + (10 + i) + ".1", true));
      SriovIdentity id = new SriovIdentity(prefix, i, MacAddress.parse(mac));
      assertThat(id.dummyMac().toString()).startsWith(String.format("aa:%02x:", i));
      String vf = "vf" + i;
      fixture(sysfs, "pci-net", vf, "1", String.format("5e:00:00:00:01:%02x", i),
          String.format("0000:01:%02x.0", i), "iavf");
      fixture(sysfs, "virtio-net", "eth" + i, id.dummyMac().toString(),
          String.format("0000:00:%02x.0", 0x10 + i));
      expected.put(vf, "ETH" + i);
    }

    Map<String, String> matched = runHook(sysfs, nics, null);

    assertThat(matched).isEqualTo(expected);
  }

  /**
   * The whole chain: {@code kvm-sriov driver deploy} (libvirt's test driver, a ConnectX-3 and an
   * 82599 in a sysfs fixture) writes GUIDs into the VFs' alias GUID entries and dummy MACs into the
   * domain XML; the guest's interfaces carry exactly those; the hook matches them to the context.
   */
  @Test
  void whatDeployWritesIsMatchedByTheHookToTheRightNics() throws Exception {
    org.kvmsriov.adapters.libvirt.LibvirtHypervisor keepAlive =
        org.kvmsriov.adapters.libvirt.LibvirtHypervisor.open("test:///default");
    try {
      org.kvmsriov.testsupport.SysfsHosts.TwoNodeHost host =
          org.kvmsriov.testsupport.SysfsHosts.twoNodeHost(tmp.resolve("hostroot"), false);
      List<org.kvmsriov.model.PciAddress> ib = host.mlx4().vfs();
      Path state = tmp.resolve("host.yaml");
      Files.writeString(state, ("version: 1\nlibvirt_uri: test:///default\ndriver: {mac_prefix: \"aa\"}\npfs:\n"
          + "  ib0: {mode: mlnx_ofed2, ofed: {port: 1}, vfs: [%s, %s, %s]}\n"
          + "  enp3s0f0: {mode: generic, discover: true}\n").formatted(ib.get(0), ib.get(1), ib.get(2)));
      StringBuilder nics = new StringBuilder();
      String[] bridges = {"br0", "sriov_ib0", "br0", "sriov_ib0", "sriov_ib0"};
      for (int i = 0; i < VM.size(); i++) {
        nics.append("<interface type='bridge'><source bridge='").append(bridges[i]).append("'/><mac address='")
            .append(VM.get(i).mac()).append("'/></interface>");
      }
      String xml = "<domain type='kvm'><name>one-61</name><vcpu>1</vcpu><memory>65536</memory><os><type arch='x86_64'>"
          + "hvm</type></os><devices>" + nics + "</devices></domain>";
      Path file = tmp.resolve("ds/61/deployment.0");
      org.kvmsriov.testsupport.CliRun r = org.kvmsriov.testsupport.Cli.runWithStdin(
          org.kvmsriov.app.HypervisorConnector.libvirt(), java.time.Clock.systemUTC(), xml, "driver",
          "--state", state.toString(), "--ledger-dir", tmp.resolve("ledger").toString(),
          "--sysfs-root", host.tree().root().toString(), "deploy", file.toString(), "node01", "61", "node01");
      assertThat(r.exitCode()).as(r.err()).isZero();

      // The guest: one IPoIB interface per leased VF, carrying the GUID deploy wrote, in VF order
      // (unrelated to NIC order); the ordinary NICs as virtio.
      Path sysfs = tmp.resolve("sys");
      Map<String, String> expected = new LinkedHashMap<>();
      var leases = new org.kvmsriov.ledger.FileLedger(tmp.resolve("ledger")).snapshot().leases().values();
      assertThat(leases).hasSize(3);
      for (var lease : leases) {
        String admin = Files.readString(host.tree().path(host.mlx4().hcaDir() + "/iov/ports/1/admin_guids/"
            + (lease.vfIndex() + 1))).strip();
        String guid = new org.kvmsriov.model.Guid(Long.parseUnsignedLong(admin, 16)).toColons();
        String ifname = "ib" + lease.vfIndex();
        fixture(sysfs, "ipoib", ifname, guid, String.format("0000:00:%02x.0", 0x10 + lease.vfIndex()), "mlx4_core");
        Nic owner = VM.stream().filter(n -> n.sriov() && MacAddress.parse(n.mac()).lowFourOctets()
            == (Long.parseUnsignedLong(admin, 16) & 0xffff_ffffL)).findFirst().orElseThrow();
        expected.put(ifname, owner.name());
      }
      fixture(sysfs, "virtio-net", "eth0", VM.get(0).mac(), "0000:00:03.0");
      fixture(sysfs, "virtio-net", "eth2", VM.get(2).mac(), "0000:00:04.0");

      assertThat(runHook(sysfs, null)).isEqualTo(expected);
      assertThat(expected.values()).containsExactlyInAnyOrder("ETH1", "ETH3", "ETH4");
    } finally {
      keepAlive.close();
    }
  }

  private Map<String, String> runHook(Path sysfs, String prefix) throws Exception {
    return runHook(sysfs, VM, prefix);
  }

  /**
   * Runs the hook as one-context would (stage "local", the context in the environment) and
   * returns interface -> context NIC from the state file it keeps ({@code dev <if> <nic> ...}),
   * after checking that the file it rendered for each carries that NIC's address.
   */
  private Map<String, String> runHook(Path sysfs, List<Nic> nics, String prefix) throws Exception {
    Path etc = Files.createDirectories(tmp.resolve("etc"));
    Path state = tmp.resolve("state");
    ProcessBuilder pb = new ProcessBuilder("sh", HOOK.toString(), "local");
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> !k.equals("PATH"));
    env.put("SYSFS_ROOT", sysfs.toString());
    env.put("ETC_ROOT", etc.toString());
    env.put("STATE_DIR", state.toString());
    env.put("SRIOV_NETCFG", "networkd");
    env.put("NETWORKCTL", "true");
    env.put("IP", "true");
    if (prefix != null) {
      env.put("SRIOV_MAC_PREFIX", prefix);
    }
    for (Nic nic : nics) {
      env.put(nic.name() + "_MAC", nic.mac());
      env.put(nic.name() + "_IP", nic.ip());
    }
    pb.redirectErrorStream(true);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("hook exit status; output:%n%s", out).isZero();

    Map<String, String> matched = new LinkedHashMap<>();
    for (String line : Files.readAllLines(state.resolve("state"))) {
      String[] f = line.split(" ");
      if (f[0].equals("dev")) {
        matched.put(f[1], f[2]);
      }
    }
    for (Map.Entry<String, String> m : matched.entrySet()) {
      Nic nic = nics.stream().filter(n -> n.name().equals(m.getValue())).findFirst().orElseThrow();
      String rendered =
          Files.readString(etc.resolve("etc/systemd/network/60-one-sriov-" + m.getKey() + ".network"));
      assertThat(rendered).contains("Name=" + m.getKey() + "\n", "Address=" + nic.ip() + "/24\n");
    }
    return matched;
  }

  private static void fixture(Path sysfs, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("sh", FIXTURE.toString(), sysfs.toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("fixture %s: %s", cmd, out).isZero();
  }
}
