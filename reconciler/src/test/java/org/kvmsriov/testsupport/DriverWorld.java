package org.kvmsriov.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.kvmsriov.adapters.libvirt.LibvirtHypervisor;
import org.kvmsriov.ledger.FileLedger;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.port.DomainInfo;
import org.kvmsriov.port.Lease;
import org.kvmsriov.port.LedgerState;
import org.kvmsriov.port.ParkedNic;

/**
 * One host for driver and network-driver tests, run through the CLI as OpenNebula runs them:
 * libvirt's in-process test driver with hot-plug ({@link HotplugTestDriver}), the standard
 * two-NUMA-node sysfs tree ({@link SysfsHosts#twoNodeHost}), a host.yaml and a ledger directory.
 * Closing it drops the connection that keeps {@code test:///default}'s domains alive.
 */
public final class DriverWorld implements AutoCloseable {

  /** host.yaml for the standard host: ib0 maps the ConnectX-3's first two VFs; enp3s0f0's VFs are discovered. */
  public static final String TWO_PFS = """
        driver: {dummy_bridge: br-dummy, mac_prefix: "aa"}
        pfs:
          ib0:
            mode: mlnx_ofed2
            ofed: {port: 1}
            vfs: [%s, %s]
          enp3s0f0:
            mode: generic
            discover: true
        """;

  public final Path dir;
  public final SysfsHosts.TwoNodeHost host;
  public final Path state;
  public final Path ledgerDir;
  public final HotplugTestDriver.Devices devices = new HotplugTestDriver.Devices();
  /** test:///default lives as long as one connection is open; the tests also look through it. */
  public final LibvirtHypervisor libvirt;

  /**
   * @param hostYaml host.yaml after {@code version} and {@code libvirt_uri}; {@code %s} placeholders
   *     are filled with the ConnectX-3's first three VFs
   */
  public DriverWorld(Path dir, String hostYaml) throws Exception {
    this(dir, hostYaml, false);
  }

  /** @param ofed the ConnectX-4 has MLNX_OFED's sysfs (its VFs' GUIDs are written there) */
  public DriverWorld(Path dir, String hostYaml, boolean ofed) throws Exception {
    this.dir = dir;
    libvirt = LibvirtHypervisor.open("test:///default");
    for (DomainInfo d : libvirt.domains()) {
      if (d.name().startsWith("one-")) {
        libvirt.destroy(d.name());
      }
    }
    host = SysfsHosts.twoNodeHost(dir.resolve("root"), ofed);
    List<PciAddress> ib = host.mlx4().vfs();
    state = Files.writeString(dir.resolve("host.yaml"), "version: 1\nlibvirt_uri: test:///default\n"
        + hostYaml.formatted(ib.get(0), ib.get(1), ib.get(2)));
    ledgerDir = dir.resolve("ledger");
  }

  /**
   * Rewrites host.yaml: the ConnectX-4's first VF, mlnx_ofed2, its partitions held by subnet
   * manager {@code name} with {@code definition} (a YAML flow map).
   */
  public void mlx5WithSubnetManager(String name, String definition) throws java.io.IOException {
    Files.writeString(state, """
        version: 1
        libvirt_uri: test:///default
        driver: {dummy_bridge: br-dummy, mac_prefix: "aa"}
        subnet_managers:
          %s: %s
        pfs:
          ib2:
            mode: mlnx_ofed2
            ofed: {port: 1}
            subnet_manager: %s
            vfs: [%s]
        """.formatted(name, definition, name, host.mlx5().vfs().get(0)));
  }

  /** {@code kvm-sriov driver ACTION ARGS…} with {@code stdin}. */
  public CliRun driver(String stdin, String... args) {
    return run("driver", stdin, args);
  }

  /** {@code kvm-sriov vnm STEP ARGS…} with {@code stdin}. */
  public CliRun vnm(String stdin, String... args) {
    return run("vnm", stdin, args);
  }

  /** {@code kvm-sriov reconcile ARGS…}. */
  public CliRun reconcile(String... args) {
    return run("reconcile", "", args);
  }

  /** {@code kvm-sriov leases list ARGS…}. */
  public CliRun leasesList(String... args) {
    List<String> argv = new ArrayList<>(List.of("leases", "list", "--ledger-dir", ledgerDir.toString()));
    argv.addAll(List.of(args));
    return Cli.run(devices.connector(), Clock.systemUTC(), argv.toArray(String[]::new));
  }

  private CliRun run(String command, String stdin, String... args) {
    List<String> argv = new ArrayList<>(List.of(command, "--state", state.toString(), "--ledger-dir",
        ledgerDir.toString(), "--sysfs-root", host.tree().root().toString()));
    if (command.equals("driver")) {
      argv.add("--stock-dir=" + dir.resolve("stock"));
    }
    argv.addAll(List.of(args));
    return Cli.runWithStdin(devices.connector(), Clock.systemUTC(), stdin, argv.toArray(String[]::new));
  }

  /** Where OpenNebula puts VM {@code vmId}'s files on the host ({@code deployment.0}, {@code checkpoint}). */
  public Path vmDir(int vmId) {
    return dir.resolve("datastores/0/" + vmId);
  }

  /** Deploys VM {@code vmId} from {@code deployment} as OpenNebula's deploy step does. */
  public CliRun deploy(int vmId, String deployment) {
    return driver(deployment, "deploy", vmDir(vmId).resolve("deployment.0").toString(), "node01",
        Integer.toString(vmId), "node01");
  }

  /** The domain as the driver sees it: the test driver's, with hot-plug changes applied. */
  public Optional<DomainInfo> domain(String name) {
    return new HotplugTestDriver(libvirt, devices).domain(name);
  }

  /** The VFs {@code name} holds now, or none when it is not running. */
  public List<PciAddress> vfsOf(String name) {
    return domain(name).filter(DomainInfo::isActive).map(d -> d.hostdevs().stream().map(h -> h.source()).toList())
        .orElse(List.of());
  }

  public LedgerState ledger() {
    return new FileLedger(ledgerDir).snapshot();
  }

  public List<Lease> leases() {
    return List.copyOf(ledger().leases().values());
  }

  public List<ParkedNic> parked() {
    return ledger().parked();
  }

  /** The ledger file's bytes, to show a refusal changed nothing. */
  public String ledgerFile() throws Exception {
    Path f = ledgerDir.resolve(FileLedger.FILE);
    return Files.exists(f) ? Files.readString(f) : "";
  }

  /** The ConnectX-3's admin GUID of VF {@code vfIndex} on port 1, as sysfs shows it. */
  public String adminGuid(int vfIndex) throws Exception {
    return Files.readString(host.tree().path(host.mlx4().hcaDir() + "/iov/ports/1/admin_guids/" + (vfIndex + 1)))
        .strip();
  }

  /** Where the ConnectX-3's VF {@code vfIndex}'s virtual pkey index {@code virtual} points on port 1. */
  public String pkeyIdx(int vfIndex, int virtual) throws Exception {
    return Files.readString(host.tree().path(host.mlx4().hcaDir() + "/iov/"
        + Mlx4Hca.slaveDirName(host.mlx4().pf(), vfIndex + 1) + "/ports/1/pkey_idx/" + virtual)).strip();
  }

  /** VF {@code vfIndex}'s GUID and pkey map together, to compare before and after. */
  public String ibState(int vfIndex) throws Exception {
    return adminGuid(vfIndex) + " pkey_idx " + pkeyIdx(vfIndex, 0) + "," + pkeyIdx(vfIndex, 1);
  }

  /**
   * Destroys the domains the test made, then disconnects: should any connection to
   * test:///default outlive this one, later test classes in this JVM (DeployCrashTest reconciles
   * in process) must not find these domains holding the fixtures' VFs.
   */
  @Override
  public void close() {
    for (DomainInfo d : libvirt.domains()) {
      if (d.name().startsWith("one-")) {
        libvirt.destroy(d.name());
      }
    }
    libvirt.close();
  }
}
