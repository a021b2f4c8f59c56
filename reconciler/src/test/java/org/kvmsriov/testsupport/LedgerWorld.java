package org.kvmsriov.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.kvmsriov.app.HypervisorConnector;
import org.kvmsriov.ledger.FileLedger;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.port.DomainInfo;
import org.kvmsriov.port.Lease;
import org.kvmsriov.port.LedgerSession;
import org.kvmsriov.port.LedgerState;

/**
 * A host for CLI tests: host.yaml with a listed PF (ib0, a ConnectX-3 with 4 VFs) and a discovered
 * one (enp8s0f0, 3 VFs), both in a sysfs tree laid out as the kernel does, a ledger directory, and
 * libvirt's domains.
 */
public final class LedgerWorld {

  public static final String HOST_YAML = """
      version: 1
      pfs:
        ib0:
          mode: mlnx_ofed2
          ofed: {device: mlx4_0, port: 1}
          vfs: [0000:07:00.1, 0000:07:00.2, 0000:07:00.3, 0000:07:00.4]
        enp8s0f0:
          mode: generic
          discover: true
      """;
  public static final Clock CLOCK = Clock.fixed(Leases.T0.plusSeconds(3600), ZoneOffset.UTC);

  public final Path root;
  public final Path state;
  public final Path sysfs;
  public final Path ledgerDir;
  public final List<DomainInfo> domains = new ArrayList<>();
  public final List<String> urisAsked = new ArrayList<>();

  public LedgerWorld(Path root) throws Exception {
    this.root = root;
    state = Files.writeString(root.resolve("host.yaml"), HOST_YAML);
    sysfs = Files.createDirectories(root.resolve("sysfs"));
    ledgerDir = root.resolve("ledger");
    SysfsTree t = SysfsTree.at(sysfs);
    Mlx4Hca.build(t, "0000:00:03.0", PciAddress.parse("0000:07:00.0"), List.of("ib0"), 4, 0, 16, 32);
    PciAddress pfAddress = PciAddress.parse("0000:08:00.0");
    String pf = t.pciDevice(BRIDGE, pfAddress, "0x8086", "0x10fb", "0x020000", 0);
    t.bind(pf, "ixgbe").netdev(pf, "enp8s0f0", 1, "90:e2:ba:00:08:00", 0);
    for (int i = 0; i < 3; i++) {
      String vf = t.pciDevice(BRIDGE, SysfsTree.vfAddress(pfAddress, 1, 1, i), "0x8086", "0x10ed", "0x020000", 0);
      t.linkTo(pf + "/virtfn" + i, vf).linkTo(vf + "/physfn", pf);
    }
  }

  /** The root port the generic PF sits behind. */
  static final String BRIDGE = "0000:00:01.0";

  /** Commits these leases as the ledger's state. */
  public LedgerWorld leases(Lease... leases) {
    try (LedgerSession s = new FileLedger(ledgerDir).open(Duration.ofSeconds(5))) {
      LedgerState st = s.state();
      for (Lease l : leases) {
        st = st.with(l);
      }
      s.commit(st);
    }
    return this;
  }

  public LedgerState ledger() {
    return new FileLedger(ledgerDir).snapshot();
  }

  public byte[] ledgerBytes() throws Exception {
    Path f = ledgerDir.resolve(FileLedger.FILE);
    return Files.exists(f) ? Files.readAllBytes(f) : new byte[0];
  }

  /** libvirt with {@link #domains}; records the URIs it was asked for. */
  public HypervisorConnector libvirt() {
    return uri -> {
      urisAsked.add(uri);
      return new HoldersOnlyHypervisor(domains);
    };
  }

  /** Runs the CLI against this world (global options first, then {@code args}). */
  public CliRun run(HypervisorConnector connector, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    int at = all.get(0).equals("leases") ? 2 : 1;
    all.addAll(at, List.of("--state", state.toString(), "--ledger-dir", ledgerDir.toString(),
        "--sysfs-root", sysfs.toString()));
    return Cli.run(connector, CLOCK, all.toArray(String[]::new));
  }

  public CliRun run(String... args) {
    return run(libvirt(), args);
  }
}
