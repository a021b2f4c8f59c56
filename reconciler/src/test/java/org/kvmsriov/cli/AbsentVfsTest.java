package org.kvmsriov.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.kvmsriov.testsupport.Leases.attached;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvmsriov.port.LeaseState;
import org.kvmsriov.testsupport.CliRun;
import org.kvmsriov.testsupport.LedgerWorld;
import org.kvmsriov.testsupport.SysfsTree;
import org.kvmsriov.testsupport.TreeSnapshot;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * probe and status count only VFs the host has: a VF of host.yaml's map that sysfs does not show,
 * that belongs to another PF, or that is bound to a driver handing it to someone else is missing,
 * never free; and every lease, reserved ones included, takes its VF.
 */
class AbsentVfsTest {

  @TempDir Path tmp;
  LedgerWorld w;

  @BeforeEach
  void host() throws Exception {
    w = new LedgerWorld(tmp);
  }

  /** Runs {@code args} and checks that it changed neither the ledger nor sysfs. */
  CliRun readOnly(String... args) {
    Map<String, String> ledger = TreeSnapshot.of(w.ledgerDir);
    Map<String, String> sysfs = TreeSnapshot.of(w.sysfs);
    CliRun r = w.run(args);
    assertThat(TreeSnapshot.of(w.ledgerDir)).isEqualTo(ledger);
    assertThat(TreeSnapshot.of(w.sysfs)).isEqualTo(sysfs);
    return r;
  }

  void ib0Vfs(String list) throws Exception {
    Files.writeString(w.state, """
        version: 1
        pfs:
          ib0:
            mode: mlnx_ofed2
            ofed: {device: mlx4_0, port: 1}
            vfs: [%s]
        """.formatted(list));
  }

  @Test
  void aMapOfAbsentVfsAdvertisesNoneFree() throws Exception {
    ib0Vfs("0000:07:01.0, 0000:07:01.1");
    w.leases();
    CliRun r = readOnly("probe", "kvm", "0", "node01");
    assertThat(r.err()).isEmpty();
    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).isEqualTo("""
        SRIOV_FREE_VFS_IB0=0
        SRIOV_TOTAL_VFS_IB0=2
        SRIOV_MISSING_VFS_IB0=2
        SRIOV_VF_PROBLEMS_IB0="VF 0 (0000:07:01.0) is not present (no sys/bus/pci/devices/0000:07:01.0); \
        VF 1 (0000:07:01.1) is not present (no sys/bus/pci/devices/0000:07:01.1)"
        """);
  }

  @Test
  void statusListsEachVfThatCannotBeUsedAndWhy() throws Exception {
    // VF 1 is bound to pci-stub; 08:00.1 is a VF of enp8s0f0; 08:00.0 is a PF; 07:01.0 is absent
    SysfsTree.at(w.sysfs).bind("sys/devices/pci0000:00/0000:00:03.0/0000:07:00.2", "pci-stub");
    ib0Vfs("0000:07:00.1, 0000:07:00.2, 0000:08:00.1, 0000:08:00.0, 0000:07:01.0");
    w.leases();
    CliRun r = readOnly("status");
    assertThat(r.err()).isEmpty();
    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).isEqualTo("""
        ib0 (mlnx_ofed2): 5 VFs, 1 free, 0 leased, 4 missing
          VF  ADDRESS       STATE    LEASED TO  HELD BY (libvirt)
          1   0000:07:00.2  missing  -          -
          2   0000:08:00.1  missing  -          -
          3   0000:08:00.0  missing  -          -
          4   0000:07:01.0  missing  -          -
          missing: VF 1 (0000:07:00.2) is bound to pci-stub, which hands it to another user than libvirt
          missing: VF 2 (0000:08:00.1) is a VF of 0000:08:00.0, not of ib0 (0000:07:00.0)
          missing: VF 3 (0000:08:00.0) is not a VF (it has no physfn)
          missing: VF 4 (0000:07:01.0) is not present (no sys/bus/pci/devices/0000:07:01.0)
        """);
    JsonNode j = JsonMapper.shared().readTree(readOnly("status", "--json").out());
    assertThat(j.get("pfs").get(0).get("missing").intValue()).isEqualTo(4);
    assertThat(j.get("pfs").get(0).get("free").intValue()).isEqualTo(1);
    assertThat(j.get("pfs").get(0).get("vfs").get(0).get("missing").isNull()).isTrue();
    assertThat(j.get("pfs").get(0).get("vfs").get(4).get("missing").stringValue())
        .isEqualTo("is not present (no sys/bus/pci/devices/0000:07:01.0)");
    assertThat(readOnly("probe").out()).startsWith("SRIOV_FREE_VFS_IB0=1\nSRIOV_TOTAL_VFS_IB0=5\n"
        + "SRIOV_MISSING_VFS_IB0=4\n");
  }

  @Test
  void everyLeaseTakesItsVfReservedOnesAndStrayOnesToo() throws Exception {
    // a deploy in progress (reserved) and a lease naming 07:00.2 under another index: a deploy
    // would take neither VF, so neither may be advertised
    w.leases(attached("ib0", 0, "0000:07:00.1", "one-42").withState(LeaseState.RESERVED, LedgerWorld.CLOCK.instant()),
        attached("ib0", 7, "0000:07:00.2", "one-43"));
    CliRun r = readOnly("probe");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).startsWith("SRIOV_FREE_VFS_IB0=2\nSRIOV_TOTAL_VFS_IB0=4\nSRIOV_MISSING_VFS_IB0=0\n"
        + "SRIOV_VF_PROBLEMS_IB0=\"\"\n");
  }
}
