package org.kvmsriov.remotes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.kvmsriov.remotes.OneVersion.V5_4;
import static org.kvmsriov.remotes.OneVersion.V6_10;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.kvmsriov.adapters.libvirt.LibvirtHypervisor;
import org.kvmsriov.app.HypervisorConnector;
import org.kvmsriov.ledger.FileLedger;
import org.kvmsriov.model.MacAddress;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.PfName;
import org.kvmsriov.model.Pkey;
import org.kvmsriov.port.Lease;
import org.kvmsriov.port.LeaseState;
import org.kvmsriov.port.LedgerSession;
import org.kvmsriov.port.LedgerState;
import org.kvmsriov.port.ParkedNic;
import org.kvmsriov.remotes.ExecDriver.Action;
import org.kvmsriov.remotes.OneVm.Nic;
import org.kvmsriov.remotes.WrittenDomain.Iface;
import org.kvmsriov.remotes.WrittenDomain.VfDevice;
import org.kvmsriov.testsupport.Cli;
import org.kvmsriov.testsupport.CliRun;
import org.kvmsriov.testsupport.Leases;
import org.kvmsriov.testsupport.Mlx4Hca;
import org.kvmsriov.testsupport.ShmTempDir;
import org.kvmsriov.testsupport.SysfsHosts;

/**
 * tldr: the shipped remotes ({@code roles/kvm_sriov_driver/files/remotes}, unmodified) run the
 * way OpenNebula's {@code one_vmm_exec} runs them — the steps of each action in order, argv with
 * single-quoted parameters and {@code <vmid> <host>}, stdin as a heredoc on a {@code bash -s}
 * stream, a clean environment — in 5.4 and 6.10 form, in generic, mlnx_ofed2 (ConnectX-3 and -4)
 * and ethernet modes. Each step is its own process, as on a host: the shims exec a {@code
 * kvm-sriov} launcher of the build (through {@code KVM_SRIOV_CLI}), against libvirt's test driver
 * (a node file per step: the domains the step starts from), a kernel-accurate sysfs tree, a
 * ledger directory and recording stand-ins for OpenNebula's stock kvm scripts. Checked after
 * each: stdout, the stream's exit code, the error framing, the ledger, GUID and pkey files, the
 * domain XML deploy wrote back, and what a stock script received.
 *
 * <p>libvirt's test driver cannot hot-plug or unplug devices, so save, detach_nic and attach_nic
 * of a VF end in their refusal paths here (checked: nothing changed); the e2e scenario drives
 * the success paths on a real libvirtd with emulated SR-IOV.
 */
class RemotesHarnessTest {

  static final Path ROOT = Path.of(System.getProperty("kvmsriov.projectRoot", "..")).toAbsolutePath().normalize();
  static final Path REMOTES = ROOT.resolve("roles/kvm_sriov_driver/files/remotes");
  static final String HOST = OneVm.HOST;

  @TempDir(factory = ShmTempDir.class) static Path shared;
  static Path launcher;

  @TempDir(factory = ShmTempDir.class) Path dir;
  SysfsHosts.TwoNodeHost host;
  Path state;
  Path ledgerDir;
  Path node;
  String datastores;
  StockKvm stock;
  StockKvm bin;
  final List<String> running = new ArrayList<>();

  /** {@code kvm-sriov} for the shims: see {@link CliLauncher}. */
  @BeforeAll
  static void launcher() throws IOException {
    launcher = CliLauncher.write(shared.resolve("bin"), ROOT);
    Files.createDirectories(shared.resolve("home"));
  }

  @BeforeEach
  void world() throws IOException {
    host = SysfsHosts.twoNodeHost(dir.resolve("root"), true);
    state = dir.resolve("host.yaml");
    writeHost("generic", "linux", 4);
    ledgerDir = dir.resolve("ledger");
    node = dir.resolve("node.xml");
    writeNode();
    Files.writeString(dir.resolve("empty-node.xml"), "<node/>\n");
    datastores = dir + "/var/lib/one//datastores/0";
    stock = new StockKvm(dir.resolve("stock/vmm/kvm"));
    bin = new StockKvm(dir.resolve("bin"));
    bin.script("ssh", "", 255, false); // no row reaches another host
  }

  // ================================================================== deploy

  /** What a deploy row checks after the DEPLOY action. */
  interface Check {
    void accept(RemotesHarnessTest t, Deployed d) throws Exception;
  }

  /**
   * @param vm the VM
   * @param action the action's steps
   * @param deploy the deploy step
   * @param domain the domain XML deploy wrote back
   * @param leases the VM's leases afterwards
   */
  record Deployed(OneVm vm, Action action, Step deploy, WrittenDomain domain, List<Lease> leases) {
    List<PciAddress> vfs() {
      return domain.vfDevices().stream().map(VfDevice::vf).toList();
    }
  }

  /**
   * @param version protocol form
   * @param ethMode mode of enp3s0f0 ({@code generic} or {@code ethernet})
   * @param dummyType {@code linux} or {@code openvswitch}
   * @param vm the VM
   * @param warns whether deploy is expected to print warnings (else its stderr is empty)
   * @param check row-specific checks
   */
  record DeployRow(OneVersion version, String ethMode, String dummyType, OneVm vm, boolean warns, Check check) {}

  static Stream<Arguments> deployRows() {
    return Stream.of(
        row("generic, 5.4: the VF as a PCI hostdev, a dummy NIC carrying the IP-encoding MAC",
            new DeployRow(V5_4, "generic", "linux",
                OneVm.of(11, Nic.sriov(0, "enp3s0f0", null), Nic.plain(1, "br0", "dummy")), false, (t, d) -> {
                  assertThat(d.domain().vfDevices()).containsExactly(
                      new VfDevice(false, t.host.nic().vfs().get(0), "ua-sriov-0", Optional.empty(), Optional.empty()));
                  assertThat(d.domain().interfaces()).contains(new Iface("br-dummy", "aa:00:0a:00:0b:00", "", false));
                  assertThat(d.leases().get(0).mac()).contains(MacAddress.parse("aa:00:0a:00:0b:00"));
                  t.assertTemplateKept(d.vm(), V5_4);
                })),
        row("generic, 6.10: dummy NIC on an Open vSwitch dummy bridge; 6.x title, uuid and metadata kept",
            new DeployRow(V6_10, "generic", "openvswitch",
                OneVm.of(12, Nic.plain(0, "br0", "ovswitch"), Nic.sriov(1, "enp3s0f0", null)), false, (t, d) -> {
                  assertThat(d.domain().vfDevices()).containsExactly(
                      new VfDevice(false, t.host.nic().vfs().get(0), "ua-sriov-0", Optional.empty(), Optional.empty()));
                  assertThat(d.domain().interfaces()).contains(new Iface("br-dummy", "aa:00:0a:00:0c:01", "", true));
                  assertThat(d.domain().text("title")).isEqualTo("vm-12");
                  assertThat(d.domain().text("uuid")).isEqualTo(OneVm.of(12).uuid());
                  assertThat(WrittenDomain.child(WrittenDomain.child(d.domain().root(), "metadata"), "vm"))
                      .as("<one:vm> in OpenNebula's namespace").isNotNull()
                      .satisfies(e -> assertThat(e.getNamespaceURI()).isEqualTo("http://opennebula.org/xmlns/libvirt/1.0"));
                })),
        row("mlnx_ofed2 ConnectX-3, 5.4: VLAN_ID 10 from the template pre kept -> 0x800a, GUID from the MAC",
            new DeployRow(V5_4, "generic", "linux", OneVm.of(13, Nic.sriov(0, "ib0", "10")), false, (t, d) -> {
              assertThat(d.vfs()).containsExactly(t.host.mlx4().vfs().get(0));
              assertThat(d.domain().interfaces()).as("no dummy NIC in mlnx_ofed2 mode").isEmpty();
              assertThat(t.adminGuid(1)).isEqualTo("aa000a000d00");
              assertThat(t.pkeyIdx(1)).startsWith("1", "none", "none");
              assertThat(d.leases().get(0).pkey()).contains(new Pkey(0x800a));
              t.assertTemplateKept(d.vm(), V5_4);
            })),
        row("mlnx_ofed2 ConnectX-3, 6.10: two NICs on ib0 and one on enp3s0f0 get three VFs;"
                + " VLAN_ID 20000 -> limited 0x4e20, VLAN_ID 30 (not in the table) -> blocked",
            new DeployRow(V6_10, "generic", "linux", OneVm.of(14, Nic.sriov(0, "ib0", "20000"),
                Nic.plain(1, "br0", "ovswitch"), Nic.sriov(2, "ib0", "30"), Nic.sriov(3, "enp3s0f0", null)), true,
                (t, d) -> {
                  assertThat(d.domain().vfDevices()).extracting(VfDevice::vf, VfDevice::alias).containsExactly(
                      org.assertj.core.groups.Tuple.tuple(t.host.mlx4().vfs().get(0), "ua-sriov-0"),
                      org.assertj.core.groups.Tuple.tuple(t.host.mlx4().vfs().get(1), "ua-sriov-1"),
                      org.assertj.core.groups.Tuple.tuple(t.host.nic().vfs().get(0), "ua-sriov-2"));
                  assertThat(t.adminGuid(1)).isEqualTo("aa000a000e00");
                  assertThat(t.adminGuid(2)).isEqualTo("aa010a000e02");
                  assertThat(t.pkeyIdx(1)).startsWith("3", "none");
                  assertThat(t.pkeyIdx(2)).allMatch("none"::equals);
                  assertThat(d.domain().interfaces()).contains(new Iface("br-dummy", "aa:02:0a:00:0e:03", "", false));
                  assertThat(d.deploy().err()).contains("WARNING: one-14: VF " + t.host.mlx4().vfs().get(1)
                      + " blocked: partition 30 (0x801e or 0x001e) is not in the port's pkey table")
                      .doesNotContain("ERROR MESSAGE");
                  t.assertTemplateKept(d.vm(), V6_10);
                })),
        row("mlnx_ofed2 ConnectX-4 (MLNX_OFED sysfs), 6.10: node and port GUID programmed, the partition left to the SM",
            new DeployRow(V6_10, "generic", "linux", OneVm.of(15, Nic.sriov(0, "ib2", "10")), true, (t, d) -> {
              assertThat(d.vfs()).containsExactly(t.host.mlx5().vfs().get(0));
              assertThat(t.mlx5(0, "node")).isEqualTo("00:00:aa:00:0a:00:0f:00");
              assertThat(t.mlx5(0, "port")).isEqualTo("00:00:aa:00:0a:00:0f:00");
              assertThat(t.mlx5(0, "policy")).isEqualTo("Follow");
              assertThat(d.deploy().err()).contains("WARNING: ib2 has no per-VF pkey tables (mlx5): partition 10 must"
                  + " be granted to GUID").doesNotContain("ERROR MESSAGE");
            })),
        row("ethernet, 5.4: VLAN_ID 100 from the template pre kept -> <interface type='hostdev'> with MAC and VLAN",
            new DeployRow(V5_4, "ethernet", "linux", OneVm.of(16, Nic.sriov(0, "enp3s0f0", "100")), false, (t, d) -> {
              assertThat(d.domain().vfDevices()).containsExactly(new VfDevice(true, t.host.nic().vfs().get(0),
                  "ua-sriov-0", Optional.of("02:00:0a:00:10:00"), Optional.of(100)));
              assertThat(d.domain().interfaces()).as("no dummy NIC in ethernet mode").isEmpty();
              assertThat(d.leases().get(0).mac()).contains(MacAddress.parse("02:00:0a:00:10:00"));
            })),
        row("ethernet, 6.10: VLAN_ID from vm.xml; a second NIC without VLAN_ID gets no <vlan>",
            new DeployRow(V6_10, "ethernet", "linux",
                OneVm.of(17, Nic.sriov(0, "enp3s0f0", "200"), Nic.sriov(1, "enp3s0f0", null)), false, (t, d) ->
                assertThat(d.domain().vfDevices()).containsExactly(
                    new VfDevice(true, t.host.nic().vfs().get(0), "ua-sriov-0", Optional.of("02:00:0a:00:11:00"),
                        Optional.of(200)),
                    new VfDevice(true, t.host.nic().vfs().get(1), "ua-sriov-1", Optional.of("02:00:0a:00:11:01"),
                        Optional.empty())))));
  }

  static Arguments row(String name, Object row) {
    return Arguments.of(Named.of(name, row));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("deployRows")
  void deploy(DeployRow row) throws Exception {
    writeHost(row.ethMode(), row.dummyType(), 4);
    if (row.vm().id() == 14) {
      // the subnet manager has put partition 20000 (limited member) into port 1's table
      host.tree().attr(host.mlx4().hcaDir() + "/ports/1/pkeys/3", "0x4e20");
      host.tree().attr(host.mlx4().hcaDir() + "/iov/ports/1/pkeys/3", "0x4e20");
    }
    OneVm vm = row.vm();
    Action a = deployAction(one(row.version()), vm);
    assertThat(a.failed()).as(a.describe()).isFalse();
    Step deploy = a.steps.stream().filter(s -> s.line().contains("/kvm-sriov/deploy ")).findFirst().orElseThrow();
    assertThat(deploy.out()).as("deploy prints the deploy id only").isEqualTo(vm.name() + "\n");
    if (!row.warns()) {
      assertThat(deploy.err()).as(deploy.describe()).isEmpty();
    }
    assertThat(a.last().line()).as("the action ends with the network driver's post").contains("/sriov_partition/post");
    assertThat(a.last().out()).isEmpty();

    WrittenDomain domain = WrittenDomain.parse(Files.readString(deploymentFile(vm)));
    assertThat(domain.text("name")).isEqualTo(vm.name());
    List<Nic> sriov = vm.nics().stream().filter(n -> n.bridge().startsWith("sriov_")).toList();
    List<Lease> leases = leasesOf(vm.name());
    assertThat(leases).hasSize(sriov.size()).allSatisfy(l -> {
      assertThat(l.state()).isEqualTo(LeaseState.ATTACHED);
      assertThat(l.vmId()).hasValue(vm.id());
    });
    Deployed d = new Deployed(vm, a, deploy, domain, leases);
    assertThat(d.vfs()).as("one distinct VF per SR-IOV NIC, each the one its lease names").doesNotHaveDuplicates()
        .hasSize(sriov.size()).containsExactlyInAnyOrderElementsOf(leases.stream().map(Lease::vf).toList());
    assertThat(domain.interfaces()).as("no NIC left on an sriov_ bridge")
        .noneMatch(i -> i.bridge().startsWith("sriov_"));
    for (Nic n : vm.nics()) {
      if (!n.bridge().startsWith("sriov_")) {
        assertThat(domain.interfaces()).as("ordinary NIC %d as OpenNebula wrote it", n.nicId())
            .contains(new Iface(n.bridge(), vm.mac(n), vm.name() + "-" + n.nicId(), n.vnMad().equals("ovswitch")));
      }
    }
    row.check().accept(this, d);
  }

  // ------------------------------------------------------------------ no free VF

  @ParameterizedTest(name = "{0}")
  @EnumSource(OneVersion.class)
  void noFreeVfFailsFramedAndChangesNothing(OneVersion v) throws Exception {
    writeHost("generic", "linux", 1);
    // VM 80 runs with ib0's only VF; in 5.4 form it has no lease (observed truth wins), in 6.10 form it has one
    OneVm holder = OneVm.of(80, Nic.sriov(0, "ib0", null));
    givenRunning(holder);
    if (v == V5_4) {
      try (LedgerSession s = new FileLedger(ledgerDir).open(java.time.Duration.ofSeconds(5))) {
        s.commit(LedgerState.empty());
      }
    }
    byte[] ledgerBefore = ledgerBytes();
    String guidBefore = adminGuid(1);
    OneVm vm = OneVm.of(81, Nic.sriov(0, "enp3s0f0", null), Nic.sriov(1, "ib0", null));
    Action a = deployAction(one(v), vm);
    Step deploy = a.last();
    assertThat(deploy.line()).contains("/kvm-sriov/deploy ");
    assertThat(deploy.exitCode()).as(deploy.describe()).isEqualTo(1);
    assertThat(deploy.onlyFramed()).as(deploy.describe()).isTrue();
    assertThat(deploy.oneMessage()).isEqualTo("no free VF on ib0");
    assertThat(deploy.out()).isEmpty();
    assertThat(ledgerBytes()).as("ledger byte for byte").isEqualTo(ledgerBefore);
    assertThat(adminGuid(1)).isEqualTo(guidBefore);
    assertThat(deploymentFile(vm)).doesNotExist();
  }

  // ================================================================== shutdown, cancel

  @Test
  void shutdownReleasesTheVfsAndPutsGuidAndPkeyBack() throws Exception {
    String guidBefore = adminGuid(1);
    OneVm vm = OneVm.of(21, Nic.sriov(0, "ib0", "11"), Nic.sriov(1, "enp3s0f0", null));
    givenRunning(vm);
    assertThat(ledgerDir.resolve("templates/21.xml")).exists();
    assertThat(leasesOf("one-21")).hasSize(2);
    assertThat(adminGuid(1)).isEqualTo("aa000a001500");
    assertThat(pkeyIdx(1)).startsWith("2"); // 0x000b, limited member
    ExecDriver one = one(V6_10);
    Action a = new Action();
    a.then(() -> one.vmm("shutdown", vm.actionData(V6_10, "one-21", datastores, "", ""), 21, "one-21", HOST));
    a.then(() -> one.vnm("clean", vm.vnmBase64(V6_10, "one-21"), HOST));
    assertThat(a.failed()).as(a.describe()).isFalse();
    assertThat(a.steps).allSatisfy(s -> assertThat(s.out() + s.err()).as(s.describe()).isEmpty());
    assertThat(leasesOf("one-21")).isEmpty();
    assertThat(ledger().history()).filteredOn(h -> h.action().equals("shutdown")).hasSize(2);
    assertThat(adminGuid(1)).as("the GUID found at reservation").isEqualTo(guidBefore);
    assertThat(pkeyIdx(1)).startsWith("0", "none");
    assertThat(ledgerDir.resolve("templates/21.xml")).as("template forgotten").doesNotExist();
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(OneVersion.class)
  void cancelByNameOrUuidReleasesTheVfs(OneVersion v) throws Exception {
    String guidBefore = adminGuid(1);
    OneVm vm = OneVm.of(22, Nic.sriov(0, "enp3s0f0", null), Nic.sriov(1, "ib0", "10"));
    givenRunning(vm);
    // 5.4 stores the domain name as deploy id, 5.12.6+ and 6.x the libvirt UUID
    String did = v == V5_4 ? vm.name() : vm.uuid();
    ExecDriver one = one(v);
    Action a = new Action();
    a.then(() -> one.vmm("cancel", vm.actionData(v, did, datastores, "", ""), 22, did, HOST));
    a.then(() -> v.six ? one.vnm("clean", vm.vnmBase64(v, did), HOST) : one.vnm("clean", vm.vnmBase64(v, did)));
    assertThat(a.failed()).as(a.describe()).isFalse();
    assertThat(a.steps).allSatisfy(s -> assertThat(s.out() + s.err()).as(s.describe()).isEmpty());
    assertThat(leasesOf("one-22")).isEmpty();
    assertThat(ledger().history()).filteredOn(h -> h.action().equals("cancel")).hasSize(2);
    assertThat(adminGuid(1)).isEqualTo(guidBefore);
  }

  // ================================================================== save, restore

  @Test
  void saveThatLibvirtCannotDetachFromFailsFramedAndKeepsTheVmAsItWas() throws Exception {
    OneVm vm = OneVm.of(24, Nic.sriov(0, "ib0", "10"));
    givenRunning(vm);
    byte[] before = ledgerBytes();
    String checkpoint = vm.vmDir(datastores) + "/checkpoint";
    Step save = one(V6_10).vmm("save", vm.actionData(V6_10, "one-24", datastores, checkpoint, ""), 24, "one-24",
        checkpoint, HOST);
    assertThat(save.exitCode()).as(save.describe()).isEqualTo(1);
    assertThat(save.onlyFramed()).as(save.describe()).isTrue();
    assertThat(save.oneMessage()).startsWith("save of one-24 failed: ").endsWith("; its VFs are attached again");
    assertThat(ledgerBytes()).isEqualTo(before);
    assertThat(adminGuid(1)).isEqualTo("aa000a001800");
    assertThat(Path.of(checkpoint)).doesNotExist();
  }

  @Test
  void restoreLeasesAVfForTheParkedNicAndGivesItBackWhenItCannotBeAttached() throws Exception {
    String guidBefore = adminGuid(1);
    // VM 25 was saved by kvm-sriov: its checkpoint holds no VF, the ledger parks its ib0 NIC
    OneVm vm = OneVm.of(25, Nic.sriov(0, "ib0", "10"), Nic.plain(1, "br0", "ovswitch"));
    OneVm saved = OneVm.of(25, Nic.plain(1, "br0", "ovswitch"));
    Path checkpoint = Path.of(vm.vmDir(datastores), "checkpoint");
    Files.createDirectories(checkpoint.getParent());
    Path savedNode = Files.writeString(dir.resolve("saved-node.xml"),
        "<node>\n" + saved.deployment(V6_10, datastores) + "</node>\n");
    try (LibvirtHypervisor hv = LibvirtHypervisor.open("test://" + savedNode)) {
      hv.save("one-25", checkpoint);
    }
    ParkedNic parked = new ParkedNic("one-25", 0, new PfName("ib0"), MacAddress.parse("aa:00:0a:00:19:00"),
        Optional.of(new Pkey(0x800a)), Leases.T0);
    try (LedgerSession s = new FileLedger(ledgerDir).open(java.time.Duration.ofSeconds(5))) {
      s.commit(s.state().park(parked));
    }
    stock.script("restore.shared", "", 0, true); // the system datastore's hook, run before the restore
    String input = vm.actionData(V6_10, "one-25", datastores, checkpoint.toString(), "");
    ExecDriver one = one(V6_10);
    Action a = new Action();
    a.then(() -> one.vnm("pre", vm.vnmBase64(V6_10, "one-25")));
    a.then(() -> one.vmm("restore", input, 25, checkpoint.toString(), HOST, "one-25"));
    a.then(() -> one.vnm("post", vm.vnmBase64(V6_10, "one-25"), "one-25", HOST));
    assertThat(a.failed()).as(a.describe()).isFalse();
    Step restore = a.steps.get(1);
    assertThat(restore.err()).as(restore.describe())
        .startsWith("WARNING: one-25 restored without VF " + host.mlx4().vfs().get(0) + " (cannot attach a device")
        .endsWith("); the reconciler will lease and attach one\n");
    StockKvm.Call hook = stock.call("restore.shared").orElseThrow();
    assertThat(hook.args()).containsExactly(checkpoint.toString(), HOST, "one-25", "25", HOST);
    assertThat(hook.stdinText()).isEqualTo(input + "\n");
    assertThat(checkpoint).as("the VM runs: its checkpoint is removed").doesNotExist();
    assertThat(leasesOf("one-25")).isEmpty();
    assertThat(ledger().parked()).as("still parked, for the reconciler").containsExactly(parked);
    assertThat(adminGuid(1)).isEqualTo(guidBefore);
    assertThat(pkeyIdx(1)).startsWith("0", "none");
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(OneVersion.class)
  void saveAndRestoreOfAVmWithoutVfsAreTheStockScripts(OneVersion v) throws Exception {
    stock.script("save", "", 0, true).script("restore", "", 0, true);
    givenRunning(OneVm.of(34, Nic.sriov(0, "enp3s0f0", null))); // another VM holds a VF here
    OneVm vm = OneVm.of(33, Nic.plain(0, "br0", "ovswitch"));
    givenRunning(vm);
    byte[] before = ledgerBytes();
    String did = v == V5_4 ? vm.name() : vm.uuid();
    String checkpoint = vm.vmDir(datastores) + "/checkpoint";
    String input = vm.actionData(v, did, datastores, checkpoint, "");
    ExecDriver one = one(v);
    Step save = one.vmm("save", input, 33, did, checkpoint, HOST);
    Step restore = one.vmm("restore", input, 33, checkpoint, HOST, did);
    for (Step s : List.of(save, restore)) {
      assertThat(s.exitCode()).as(s.describe()).isZero();
      assertThat(s.out() + s.err()).as(s.describe()).isEmpty();
    }
    // the stock scripts chain the system datastore's save.<tm>/restore.<tm> (ceph): theirs to run
    assertThat(stock.call("save").orElseThrow().args()).containsExactly(did, checkpoint, HOST, "33", HOST);
    assertThat(stock.call("save").orElseThrow().stdinText()).isEqualTo(input + "\n");
    assertThat(stock.call("restore").orElseThrow().args()).containsExactly(checkpoint, HOST, did, "33", HOST);
    assertThat(stock.call("restore").orElseThrow().stdinText()).isEqualTo(input + "\n");
    assertThat(ledgerBytes()).isEqualTo(before);
  }

  // ================================================================== attach_nic, detach_nic

  @Test
  void attachOfAnSriovNicThatLibvirtRefusesLeavesNoLeaseAndNoGuid() throws Exception {
    OneVm vm = OneVm.of(26, Nic.plain(0, "br0", "ovswitch"));
    givenRunning(vm);
    String guidBefore = adminGuid(1);
    OneVm attaching = vm.with(Nic.sriov(2, "ib0", "10").attaching());
    String mac = attaching.mac(attaching.nic(2));
    ExecDriver one = one(V5_4);
    Action a = new Action();
    a.then(() -> one.vnm("pre", attaching.vnmBase64(V5_4, "one-26")));
    a.then(() -> one.vmm("attach_nic", attaching.actionData(V5_4, "one-26", datastores, "", ""), 26, "one-26", mac,
        "sriov_ib0", "-", "sriov_partition", "one-26-2"));
    assertThat(a.steps).hasSize(2);
    Step attach = a.last();
    assertThat(attach.exitCode()).as(attach.describe()).isEqualTo(1);
    assertThat(attach.onlyFramed()).as(attach.describe()).isTrue();
    assertThat(attach.oneMessage()).startsWith("attach_nic of " + mac + " to one-26 failed: ");
    assertThat(leasesOf("one-26")).isEmpty();
    assertThat(adminGuid(1)).isEqualTo(guidBefore);
    assertThat(pkeyIdx(1)).as("the VF's pkey map as a release leaves it").startsWith("0", "none");
  }

  @Test
  void attachOfAnOrdinaryNicIsTheStockScriptsWithIdenticalArgvAndStdin() throws Exception {
    stock.script("attach_nic", "", 0, true);
    OneVm vm = OneVm.of(27, Nic.sriov(0, "enp3s0f0", null));
    givenRunning(vm);
    byte[] before = ledgerBytes();
    OneVm attaching = vm.with(Nic.plain(1, "br0", "ovswitch").attaching());
    String mac = attaching.mac(attaching.nic(1));
    String input = attaching.actionData(V6_10, vm.uuid(), datastores, "", "");
    Step attach = one(V6_10).vmm("attach_nic", input, 27, vm.uuid(), mac, "br0", "virtio", "ovswitch", "one-27-1");
    assertThat(attach.exitCode()).as(attach.describe()).isZero();
    assertThat(attach.out() + attach.err()).isEmpty();
    StockKvm.Call call = stock.call("attach_nic").orElseThrow();
    assertThat(call.argv().get(0)).isEqualTo(stock.dir().resolve("attach_nic").toString());
    assertThat(call.args()).containsExactly(vm.uuid(), mac, "br0", "virtio", "ovswitch", "one-27-1", "27", HOST);
    assertThat(call.stdinText()).as("stdin byte for byte (the heredoc ends it with a newline)").isEqualTo(input + "\n");
    assertThat(ledgerBytes()).isEqualTo(before);
  }

  @Test
  void detachOfAnSriovNicThatLibvirtCannotUnplugFailsFramedAndKeepsTheLease() throws Exception {
    OneVm vm = OneVm.of(28, Nic.sriov(0, "enp3s0f0", null), Nic.plain(1, "br0", "ovswitch"));
    givenRunning(vm);
    byte[] before = ledgerBytes();
    OneVm detaching = OneVm.of(28, Nic.sriov(0, "enp3s0f0", null).attaching(), Nic.plain(1, "br0", "ovswitch"));
    Step detach = one(V6_10).vmm("detach_nic", detaching.actionData(V6_10, "one-28", datastores, "", ""), 28,
        "one-28", vm.mac(vm.nic(0)));
    assertThat(detach.exitCode()).as(detach.describe()).isEqualTo(1);
    assertThat(detach.onlyFramed()).as(detach.describe()).isTrue();
    assertThat(detach.oneMessage()).startsWith("cannot detach <hostdev> ua-sriov-0 from domain one-28: ");
    assertThat(ledgerBytes()).isEqualTo(before);
  }

  @Test
  void detachOfAnOrdinaryNicIsTheStockScriptsAndCleanLeavesTheSriovNicAlone() throws Exception {
    stock.script("detach_nic", "", 0, true);
    OneVm vm = OneVm.of(29, Nic.sriov(0, "enp3s0f0", null), Nic.plain(1, "br0", "ovswitch"));
    givenRunning(vm);
    byte[] before = ledgerBytes();
    OneVm detaching = OneVm.of(29, Nic.sriov(0, "enp3s0f0", null), Nic.plain(1, "br0", "ovswitch").attaching());
    String input = detaching.actionData(V5_4, "one-29", datastores, "", "");
    String mac = vm.mac(vm.nic(1));
    ExecDriver one = one(V5_4);
    Action a = new Action();
    a.then(() -> one.vmm("detach_nic", input, 29, "one-29", mac));
    a.then(() -> one.vnm("clean", detaching.vnmBase64(V5_4, "one-29")));
    assertThat(a.failed()).as(a.describe()).isFalse();
    StockKvm.Call call = stock.call("detach_nic").orElseThrow();
    assertThat(call.args()).containsExactly("one-29", mac, "29", HOST);
    assertThat(call.stdinText()).isEqualTo(input + "\n");
    assertThat(ledgerBytes()).isEqualTo(before);
  }

  // ================================================================== migrate

  @Test
  void migrateOfAVmWithoutVfsIsTheStockScriptsAndReachesNoOtherHost() throws Exception {
    stock.script("migrate", "", 0, true);
    givenRunning(OneVm.of(31, Nic.sriov(0, "enp3s0f0", null))); // another VM holds a VF here
    OneVm vm = OneVm.of(30, Nic.plain(0, "br0", "ovswitch"));
    givenRunning(vm);
    byte[] before = ledgerBytes();
    String input = vm.actionData(V6_10, vm.uuid(), datastores, "", "").replace("<MIGR_HOST/>",
        "<MIGR_HOST>node02</MIGR_HOST>");
    Step migrate = one(V6_10).vmm("migrate", input, 30, vm.uuid(), "node02", HOST);
    assertThat(migrate.exitCode()).as(migrate.describe()).isZero();
    StockKvm.Call call = stock.call("migrate").orElseThrow();
    assertThat(call.args()).containsExactly(vm.uuid(), "node02", HOST, "30", HOST);
    assertThat(call.stdinText()).isEqualTo(input + "\n");
    assertThat(bin.call("ssh")).as("kvm-sriov itself asked no other host").isEmpty();
    assertThat(ledgerBytes()).isEqualTo(before);
  }

  /**
   * The destination is reached the way kvm-sriov reaches it, {@code ssh <dest> sudo -n
   * /usr/bin/kvm-sriov driver …}: the {@code ssh} on PATH records the call and runs the remote
   * command as that host would, with its own ledger and libvirt (and {@code sudo -n
   * /usr/bin/kvm-sriov} being the harness's kvm-sriov). libvirt's test driver cannot detach the
   * VF, so the migration stops there: the reservation must come back and the VM stay as it was.
   */
  @Test
  void migrateOfAVmWithVfsReservesOnTheDestinationOverSshAndGivesItBackWhenTheDetachFails() throws Exception {
    Path dst = Files.createDirectories(dir.resolve("node02"));
    Path dstBin = Files.createDirectories(dst.resolve("bin"));
    Files.writeString(dstBin.resolve("sudo"), """
        #!/bin/sh
        # node02's sudo -n /usr/bin/kvm-sriov: the harness's kvm-sriov, as root
        [ "$1" = -n ] && shift
        [ "$1" = /usr/bin/kvm-sriov ] || { echo "sudo: $1 is not in the sudo rule" >&2; exit 1; }
        shift
        exec "$KVM_SRIOV_CLI" "$@"
        """);
    Files.setPosixFilePermissions(dstBin.resolve("sudo"), PosixFilePermissions.fromString("rwxr-xr-x"));
    bin.forwarder("ssh", "for remote; do :; done\n"
        + "PATH=" + shQuote(dstBin.toString()) + ":\"$PATH\" KVM_SRIOV_LEDGER_DIR=" + shQuote(dst.resolve("ledger").toString())
        + " LIBVIRT_URI=" + shQuote("test://" + dir.resolve("empty-node.xml")) + " sh -c \"$remote\" </dev/null\n");
    OneVm vm = OneVm.of(32, Nic.sriov(0, "enp3s0f0", null));
    givenRunning(vm);
    Lease before = leasesOf("one-32").get(0);
    String input = vm.actionData(V6_10, vm.uuid(), datastores, "", "").replace("<MIGR_HOST/>",
        "<MIGR_HOST>node02</MIGR_HOST>");
    Step migrate = one(V6_10).vmm("migrate", input, 32, vm.uuid(), "node02", HOST);
    assertThat(migrate.exitCode()).as(migrate.describe()).isEqualTo(1);
    assertThat(migrate.onlyFramed()).as(migrate.describe()).isTrue();
    assertThat(migrate.oneMessage()).startsWith("migration of one-32 to node02 failed: ")
        .endsWith("; it runs here with its VFs");
    assertThat(bin.calls("ssh")).extracting(StockKvm.Call::args).containsExactly(
        List.of("-o", "BatchMode=yes", "-o", "ConnectTimeout=15", "node02",
            "sudo -n /usr/bin/kvm-sriov driver 'migrate_in_reserve' '32' 'enp3s0f0/0/aa:00:0a:00:20:00'"),
        List.of("-o", "BatchMode=yes", "-o", "ConnectTimeout=15", "node02",
            "sudo -n /usr/bin/kvm-sriov driver 'migrate_in_abort' '32'"));
    assertThat(new FileLedger(dst.resolve("ledger")).snapshot().leases()).as("reservation given back").isEmpty();
    assertThat(dst.resolve("ledger/leases.json")).as("it had been taken").exists();
    assertThat(leasesOf("one-32")).singleElement().satisfies(l -> {
      assertThat(l.vf()).isEqualTo(before.vf());
      assertThat(l.state()).isEqualTo(LeaseState.ATTACHED);
    });
  }

  // ================================================================== pass-through actions

  /** How the exec driver runs the step: on the stream, or do_action without it. */
  enum Form { STREAM, DO_ACTION, LOCAL }

  /**
   * @param action the VMM action
   * @param version protocol form
   * @param form stream (quoted, heredoc) or do_action (unquoted, stdin over the channel or none)
   * @param stdin what oned sends, or null
   * @param stockReads whether the stand-in reads stdin (OpenNebula's reboot, reset, poll do not)
   * @param stockOut what the stand-in prints
   * @param stockExit its exit code
   * @param params the parameters before {@code <vmid> <host>}
   */
  record PassRow(String action, OneVersion version, Form form, String stdin, boolean stockReads, String stockOut,
      int stockExit, List<String> params) {}

  static final OneVm PASS_VM = OneVm.of(40, Nic.sriov(0, "enp3s0f0", null));
  static final String PASS_DS = "/var/lib/one//datastores/0";
  static final String XML5 = PASS_VM.actionData(V5_4, "one-40", PASS_DS, "", "");
  static final String XML6 = PASS_VM.actionData(V6_10, PASS_VM.uuid(), PASS_DS, "", "");
  /** A VM whose template carries 200 KiB (a start script): more than a pipe holds. */
  static final String XML6_LARGE = PASS_VM.actionData(V6_10, PASS_VM.uuid(), PASS_DS, "",
      "<START_SCRIPT_BASE64><![CDATA[" + "QUFB".repeat(51200) + "]]></START_SCRIPT_BASE64>");
  static final String B64 = Base64.getEncoder().encodeToString(XML6.getBytes(StandardCharsets.UTF_8));
  static final String DID = PASS_VM.uuid();

  static Stream<Arguments> passThroughRows() {
    String disk = PASS_DS + "/40/disk.2";
    return Stream.of(
        row("poll, 5.4 (no stream, no stdin): the stock line is the answer",
            new PassRow("poll", V5_4, Form.DO_ACTION, null, false, "STATE=a CPU=0.0 MEMORY=65536 NETRX=0 NETTX=0\n",
                0, List.of("one-40", HOST))),
        row("reboot, 5.4 (no stream, no stdin)",
            new PassRow("reboot", V5_4, Form.DO_ACTION, null, false, "", 0, List.of("one-40", HOST))),
        row("reset, 6.10, 200 KiB of VM XML that the stock script does not read",
            new PassRow("reset", V6_10, Form.STREAM, XML6_LARGE, false, "", 0, List.of(DID, HOST))),
        row("snapshot_create, 5.4 (do_action with the XML): the snapshot name comes back",
            new PassRow("snapshot_create", V5_4, Form.DO_ACTION, XML5, true, "one-40-snap-0\n", 0,
                List.of("one-40", "0"))),
        row("snapshot_revert, 5.4 (do_action, no stdin)",
            new PassRow("snapshot_revert", V5_4, Form.DO_ACTION, null, false, "", 0, List.of("one-40", "one-40-snap-0"))),
        row("snapshot_delete, 5.4, the stock script's failure is the action's",
            new PassRow("snapshot_delete", V5_4, Form.DO_ACTION, null, false, "", 3, List.of("one-40", "one-40-snap-0"))),
        row("attach_disk, 6.10",
            new PassRow("attach_disk", V6_10, Form.STREAM, XML6, true, "", 0, List.of(DID, disk, "vdb", "1", B64))),
        row("detach_disk, 6.10",
            new PassRow("detach_disk", V6_10, Form.STREAM, XML6, true, "", 0, List.of(DID, disk, "vdb", "1"))),
        row("resize_disk, 6.10",
            new PassRow("resize_disk", V6_10, Form.STREAM, XML6, true, "", 0, List.of(DID, "0", "2048", B64, HOST))),
        row("resize, 6.10 (do_action with the XML)",
            new PassRow("resize", V6_10, Form.DO_ACTION, XML6, true, "", 0, List.of(DID))),
        row("prereconfigure, 6.10",
            new PassRow("prereconfigure", V6_10, Form.STREAM, XML6, true, "", 0, List.of(DID, "hda"))),
        row("reconfigure, 6.10",
            new PassRow("reconfigure", V6_10, Form.STREAM, XML6, true, "", 0,
                List.of(DID, "hda", PASS_DS + "/40/disk.1"))),
        row("migrate_local, 6.10 (a local action: base64 on stdin)",
            new PassRow("migrate_local", V6_10, Form.LOCAL, B64, true, "", 0, List.of(DID, "node02", HOST))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("passThroughRows")
  void passThroughActionsGiveTheStockScriptIdenticalArgvAndStdin(PassRow row) throws Exception {
    stock.script(row.action(), row.stockOut(), row.stockExit(), row.stockReads());
    ExecDriver one = one(row.version());
    String[] params = row.params().toArray(String[]::new);
    Step s = switch (row.form()) {
      case STREAM -> one.vmm(row.action(), row.stdin(), 40, params);
      case DO_ACTION -> one.direct(row.action(), row.stdin(), false, 40, params);
      case LOCAL -> one.direct(row.action(), row.stdin(), true, 40, params);
    };
    assertThat(s.exitCode()).as(s.describe()).isEqualTo(row.stockExit());
    assertThat(s.out()).as(s.describe()).isEqualTo(row.stockOut());
    assertThat(s.err()).as(s.describe()).isEmpty();
    StockKvm.Call call = stock.call(row.action()).orElseThrow(() -> new AssertionError("stock " + row.action()
        + " did not run: " + s.describe()));
    assertThat(call.argv().get(0)).isEqualTo(stock.dir().resolve(row.action()).toString());
    List<String> argv = new ArrayList<>(row.params());
    argv.addAll(List.of("40", HOST));
    assertThat(call.args()).isEqualTo(argv);
    if (row.stockReads()) {
      String expected = row.stdin() == null ? "" : row.form() == Form.STREAM ? row.stdin() + "\n" : row.stdin();
      assertThat(call.stdinText()).isEqualTo(expected);
    }
    assertThat(ledgerDir).as("a stock action touches no ledger").doesNotExist();
  }

  // ================================================================== network driver

  @ParameterizedTest(name = "{0}")
  @EnumSource(OneVersion.class)
  void preRefusesAVlanIdNoModeCanUseAndKeepsNoTemplate(OneVersion v) throws Exception {
    OneVm vm = OneVm.of(50, Nic.plain(0, "br0", "ovswitch"), Nic.sriov(1, "ib0", "40000"));
    Step pre = one(v).vnm("pre", vm.vnmBase64(v, ""));
    assertThat(pre.exitCode()).as(pre.describe()).isEqualTo(2);
    assertThat(pre.onlyFramed()).as(pre.describe()).isTrue();
    assertThat(pre.oneMessage()).isEqualTo("NIC 1: VLAN_ID '40000' is neither a partition (1-32767) nor a VLAN");
    assertThat(ledgerDir.resolve("templates/50.xml")).doesNotExist();
  }

  @Test
  void preDuringAHotplugChecksOnlyTheAttachingNic() throws Exception {
    OneVm vm = OneVm.of(51, Nic.sriov(0, "ib0", "10"), Nic.sriov(2, "ib0", "abc").attaching());
    Step pre = one(V6_10).vnm("pre", vm.vnmBase64(V6_10, vm.uuid()));
    assertThat(pre.exitCode()).as(pre.describe()).isEqualTo(2);
    assertThat(pre.oneMessage()).isEqualTo("NIC 2: VLAN_ID 'abc' is neither a partition (1-32767) nor a VLAN");
  }

  @Test
  void preDuringAHotplugOfAnotherDriversNicLeavesOursAlone() throws Exception {
    // deployed with VLAN 10; the NIC being attached now belongs to ovswitch
    OneVm vm = OneVm.of(52, Nic.sriov(0, "ib0", "10"));
    Step deployPre = one(V5_4).vnm("pre", vm.vnmBase64(V5_4, ""));
    assertThat(deployPre.exitCode()).as(deployPre.describe()).isZero();
    byte[] kept = Files.readAllBytes(ledgerDir.resolve("templates/52.xml"));
    OneVm attaching = vm.with(Nic.plain(1, "br0", "ovswitch").attaching());
    Step pre = one(V5_4).vnm("pre", attaching.vnmBase64(V5_4, "one-52"));
    assertThat(pre.exitCode()).as(pre.describe()).isZero();
    assertThat(pre.out() + pre.err()).isEmpty();
    assertThat(ledgerDir.resolve("templates/52.xml")).as("not ours to touch").hasBinaryContent(kept);
  }

  /** update_sg, vnet_create, vnet_delete, update_nic: nothing to do per network, in both forms. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("quietSteps")
  void stepsWithNothingToDoSucceedQuietlyAndLeaveTheStreamAlone(String name, OneVersion v, String step,
      String[] params) throws Exception {
    OneVm vm = OneVm.of(53, Nic.sriov(0, "ib0", "10"));
    String input = step.startsWith("vnet_")
        ? Base64.getEncoder().encodeToString("<VNET><ID>7</ID><VN_MAD>sriov_partition</VN_MAD></VNET>"
            .getBytes(StandardCharsets.UTF_8))
        : vm.vnmBase64(v, "one-53");
    Step s = one(v).vnm(step, input, params);
    assertThat(s.streamIntact()).as(s.describe()).isTrue();
    assertThat(s.exitCode()).as(s.describe()).isZero();
    assertThat(s.out() + s.err()).isEmpty();
    assertThat(ledgerDir).doesNotExist();
  }

  static Stream<Arguments> quietSteps() {
    return Stream.of(
        Arguments.of(Named.of("update_sg, 5.4 (template as argv: stdin is the stream)", "update_sg"), V5_4, "update_sg",
            new String[] {"one-53"}),
        Arguments.of(Named.of("update_sg, 6.10", "update_sg"), V6_10, "update_sg", new String[] {"one-53"}),
        Arguments.of(Named.of("vnet_create, 6.10", "vnet_create"), V6_10, "vnet_create", new String[] {"7"}),
        Arguments.of(Named.of("vnet_delete, 6.10", "vnet_delete"), V6_10, "vnet_delete", new String[] {"7"}),
        Arguments.of(Named.of("update_nic, 6.10", "update_nic"), V6_10, "update_nic", new String[] {"one-53", "7"}));
  }

  // ================================================================== probe

  @Test
  void theHostProbePrintsFreeVfsPerPf() throws Exception {
    givenRunning(OneVm.of(60, Nic.sriov(0, "enp3s0f0", null), Nic.sriov(1, "ib0", null)));
    // monitord runs host/system probes as <probe> kvm <host id> <host name>, its config on stdin
    Path probe = REMOTES.resolve("im/sriov_vfs.sh");
    ProcessBuilder pb = new ProcessBuilder(probe.toString(), "kvm", "1", HOST).redirectErrorStream(false);
    pb.environment().clear();
    pb.environment().putAll(env());
    Process p = pb.start();
    p.getOutputStream().write("<MONITOR_CONF/>\n".getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(err).isZero();
    assertThat(out.lines()).contains("SRIOV_FREE_VFS_ENP3S0F0=7", "SRIOV_TOTAL_VFS_ENP3S0F0=8",
        "SRIOV_FREE_VFS_IB0=3", "SRIOV_TOTAL_VFS_IB0=4");
  }

  // ================================================================== the shims themselves

  /** The VMM actions the tests above run (the pass-through table adds its own). */
  static final Set<String> VMM_ACTIONS_RUN = new TreeSet<>(Set.of("deploy", "shutdown", "cancel", "save", "restore",
      "attach_nic", "detach_nic", "migrate"));

  @Test
  void everyShimHasTheOneShapeAndARowThatRunsIt() throws Exception {
    Set<String> vmmRun = new TreeSet<>(VMM_ACTIONS_RUN);
    passThroughRows().forEach(a -> vmmRun.add(((PassRow) ((Named<?>) a.get()[0]).getPayload()).action()));
    Set<String> vmm = names(REMOTES.resolve(ExecDriver.VMM_DIR));
    assertThat(vmm).as("every VMM remote has a row").isEqualTo(vmmRun);
    Set<String> vnm = names(REMOTES.resolve(ExecDriver.VNM_DIR));
    assertThat(vnm).as("every network driver step has a row").containsExactlyInAnyOrder("pre", "post", "clean",
        "update_sg", "update_nic", "vnet_create", "vnet_delete");
    for (String a : vmm) {
      assertShape(REMOTES.resolve(ExecDriver.VMM_DIR).resolve(a), "driver " + a);
    }
    for (String s : vnm) {
      assertShape(REMOTES.resolve(ExecDriver.VNM_DIR).resolve(s), "vnm " + s);
    }
  }

  /** Root may be pointed elsewhere; the sudo branch keeps the path the sudo rule names. */
  private static void assertShape(Path shim, String command) throws IOException {
    assertThat(Files.isExecutable(shim)).as(shim + " is executable").isTrue();
    List<String> code = Files.readAllLines(shim).stream().filter(l -> !l.startsWith("#")).toList();
    assertThat(code).as(shim.toString()).containsExactly(
        "[ \"$(id -u)\" -eq 0 ] || exec sudo -n /usr/bin/kvm-sriov " + command + " \"$@\"",
        "exec \"${KVM_SRIOV_CLI:-/usr/bin/kvm-sriov}\" " + command + " \"$@\"");
  }

  @Test
  void asOneadminAShimGoesThroughSudoToTheLiteralPathWithItsArgvIntact() throws Exception {
    Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root to run a shim as another user");
    Path world = Files.createTempDirectory(Path.of("/tmp"), "kvm-sriov-sudo-");
    try {
      Files.setPosixFilePermissions(world, PosixFilePermissions.fromString("rwxrwxrwx"));
      StockKvm fake = new StockKvm(world);
      Files.setPosixFilePermissions(world.resolve("calls"), PosixFilePermissions.fromString("rwxrwxrwx"));
      fake.script("sudo", "", 0, true);
      Path shim = Files.copy(REMOTES.resolve(ExecDriver.VMM_DIR).resolve("deploy"), world.resolve("deploy"));
      ProcessBuilder pb = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
          shim.toString(), "/var/lib/one//datastores/0/7/deployment.0", "a host with 'quotes' and spaces", "7",
          HOST);
      pb.environment().clear();
      pb.environment().put("PATH", world + ":/usr/bin:/bin");
      pb.environment().put("KVM_SRIOV_CLI", launcher.toString());
      Process p = pb.redirectErrorStream(true).start();
      p.getOutputStream().write("<domain/>".getBytes(StandardCharsets.UTF_8));
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor()).as(out).isZero();
      StockKvm.Call sudo = fake.call("sudo").orElseThrow(() -> new AssertionError("sudo not run: " + out));
      assertThat(sudo.args()).containsExactly("-n", "/usr/bin/kvm-sriov", "driver", "deploy",
          "/var/lib/one//datastores/0/7/deployment.0", "a host with 'quotes' and spaces", "7", HOST);
      assertThat(sudo.stdinText()).isEqualTo("<domain/>");
    } finally {
      try (Stream<Path> all = Files.walk(world)) {
        all.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  // ================================================================== the world

  ExecDriver one(OneVersion v) {
    return new ExecDriver(REMOTES, env(), v, dir.resolve("steps"));
  }

  /** What sshd gives oneadmin's session, and the settings that point kvm-sriov at this world. */
  Map<String, String> env() {
    Map<String, String> env = new HashMap<>();
    env.put("PATH", bin.dir() + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    env.put("HOME", shared.resolve("home").toString());
    env.put("LANG", "C");
    env.put("USER", "root");
    env.put("LOGNAME", "root");
    env.put("SHELL", "/bin/bash");
    env.put("KVM_SRIOV_CLI", launcher.toString());
    env.put("KVM_SRIOV_STATE", state.toString());
    env.put("KVM_SRIOV_LEDGER_DIR", ledgerDir.toString());
    env.put("KVM_SRIOV_SYSFS_ROOT", host.tree().root().toString());
    env.put("KVM_SRIOV_STOCK_DIR", stock.dir().toString());
    env.put("LIBVIRT_URI", "test://" + node);
    return env;
  }

  void writeHost(String ethMode, String dummyType, int ib0Vfs) throws IOException {
    String ib = host.mlx4().vfs().subList(0, ib0Vfs).stream().map(Object::toString).collect(Collectors.joining(", "));
    Files.writeString(state, """
        version: 1
        driver: {dummy_bridge: br-dummy, dummy_bridge_type: %s, mac_prefix: "aa"}
        pfs:
          ib0: {mode: mlnx_ofed2, ofed: {port: 1}, vfs: [%s]}
          ib2: {mode: mlnx_ofed2, ofed: {port: 1}, discover: true}
          enp3s0f0: {mode: %s, discover: true}
        """.formatted(dummyType, ib, ethMode));
  }

  /** The test driver's world for the next step: the domains running now. */
  void writeNode() throws IOException {
    Files.writeString(node, "<node>\n" + String.join("\n", running) + "</node>\n");
  }

  Path deploymentFile(OneVm vm) {
    return Path.of(vm.vmDir(datastores), "deployment.0");
  }

  /**
   * The DEPLOY action's steps (§2.2): vnm pre; 6.x {@code mkdir -p}, {@code vm.xml}, {@code
   * ds.xml}; deploy; vnm post with the deploy id (6.x: and the host).
   */
  Action deployAction(ExecDriver one, OneVm vm) {
    OneVersion v = one.version();
    Path file = deploymentFile(vm);
    String b64 = vm.vnmBase64(v, "");
    Action a = new Action();
    a.then(() -> one.vnm("pre", b64));
    if (v.six) {
      a.then(() -> one.shell("mkdir -p '" + file.getParent() + "'", null));
      a.then(() -> one.shell("cat - > '" + file.getParent() + "/vm.xml'", vm.vmXml(v, "")));
      a.then(() -> one.shell("cat - > '" + file.getParent() + "/ds.xml'", OneVm.dsXml(datastores)));
    }
    a.then(() -> one.vmm("deploy", vm.deployment(v, datastores), vm.id(), file.toString(), HOST));
    a.then(() -> {
      String did = a.last().out().strip();
      return v.six ? one.vnm("post", b64, did, HOST) : one.vnm("post", b64, did);
    });
    return a;
  }

  /**
   * Given: {@code vm} deployed (in this JVM: ledger, sysfs and the written XML as a deploy leaves
   * them, its template kept as pre keeps it) and running: the node file holds the domain.
   */
  void givenRunning(OneVm vm) throws IOException {
    Path file = deploymentFile(vm);
    Files.createDirectories(file.getParent());
    Files.writeString(file.resolveSibling("vm.xml"), vm.vmXml(V6_10, ""));
    CliRun pre = Cli.runWithStdin(HypervisorConnector.libvirt(), Clock.systemUTC(), vm.vnmBase64(V6_10, ""),
        "vnm", "--ledger-dir", ledgerDir.toString(), "pre");
    assertThat(pre.exitCode()).as(pre.err()).isZero();
    CliRun r = Cli.runWithStdin(HypervisorConnector.libvirt(), Clock.systemUTC(), vm.deployment(V6_10, datastores),
        "driver", "--state", state.toString(), "--ledger-dir", ledgerDir.toString(), "--sysfs-root",
        host.tree().root().toString(), "--libvirt-uri", "test://" + dir.resolve("empty-node.xml"),
        "deploy", file.toString(), HOST, Integer.toString(vm.id()), HOST);
    assertThat(r.exitCode()).as(r.err()).isZero();
    running.add(Files.readString(file));
    writeNode();
  }

  LedgerState ledger() {
    return new FileLedger(ledgerDir).snapshot();
  }

  List<Lease> leasesOf(String domain) {
    return ledger().leases().values().stream().filter(l -> l.domain().map(domain::equals).orElse(false)).toList();
  }

  byte[] ledgerBytes() throws IOException {
    Path f = ledgerDir.resolve(FileLedger.FILE);
    return Files.exists(f) ? Files.readAllBytes(f) : new byte[0];
  }

  /** pre kept, for deploy, exactly the template it was given. */
  void assertTemplateKept(OneVm vm, OneVersion v) {
    assertThat(ledgerDir.resolve("templates/" + vm.id() + ".xml")).as("pre kept the template for deploy")
        .content(StandardCharsets.UTF_8).isEqualTo(vm.vnmXml(v, ""));
  }

  String sys(String rel) throws IOException {
    return Files.readString(host.tree().path(rel), StandardCharsets.US_ASCII).strip();
  }

  /** mlx4 port 1 alias GUID entry of {@code slave} (VF index + 1). */
  String adminGuid(int slave) throws IOException {
    return sys(host.mlx4().hcaDir() + "/iov/ports/1/admin_guids/" + slave);
  }

  /** mlx4 port 1 virtual pkey index table of {@code slave}, in virtual-index order. */
  List<String> pkeyIdx(int slave) throws IOException {
    String d = host.mlx4().hcaDir() + "/iov/" + Mlx4Hca.slaveDirName(host.mlx4().pf(), slave) + "/ports/1/pkey_idx/";
    List<String> out = new ArrayList<>();
    for (int v = 0; Files.exists(host.tree().path(d + v)); v++) {
      out.add(sys(d + v));
    }
    return out;
  }

  String mlx5(int vf, String attr) throws IOException {
    return sys(host.mlx5().pfDir() + "/sriov/" + vf + "/" + attr);
  }

  static Set<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
    }
  }

  static String shQuote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }
}
