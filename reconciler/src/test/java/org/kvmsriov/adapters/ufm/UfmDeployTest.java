package org.kvmsriov.adapters.ufm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvmsriov.engine.DriverCommandTest;
import org.kvmsriov.port.DomainInfo;
import org.kvmsriov.testsupport.CliRun;
import org.kvmsriov.testsupport.DriverWorld;
import org.kvmsriov.testsupport.ShmTempDir;
import org.kvmsriov.testsupport.VnmTemplate;

/**
 * A deploy on an mlx5 PF whose partitions UFM holds, through the CLI against libvirt's test driver
 * and a local HTTP server that keeps pkeys as UFM does: the VF's GUID joins 0x4e20 before the
 * domain starts, and a 5xx on that join fails the deploy with nothing half-done.
 */
class UfmDeployTest {

  static final int VM = 21;
  /** What mlnx_ofed2 programs for VM 21's first SR-IOV NIC (prefix aa, position 0, low MAC octets). */
  static final String LEASED = "0000aa000a001500";

  @TempDir(factory = ShmTempDir.class) Path dir;
  UfmSubnetManagerTest.FakeUfm ufm;
  DriverWorld w;

  @BeforeEach
  void world() throws Exception {
    ufm = new UfmSubnetManagerTest.FakeUfm();
    Path credentials = Files.writeString(dir.resolve("ufm.credentials"), "kvm:s3cret:x\n");
    w = new DriverWorld(dir, "", true);
    w.mlx5WithSubnetManager("ufm", "{type: ufm, url: \"" + ufm.url() + "\", credentials_file: " + credentials
        + ", verify_tls: true}");
    assertThat(w.vnm(VnmTemplate.vm(VM).nic(0, "sriov_ib2", String.format("02:00:0a:00:%02x:00", VM), "20000")
        .base64(), "pre").exitCode()).isZero();
  }

  @AfterEach
  void close() {
    w.close();
    ufm.server.stop(0);
  }

  String vfGuid() throws Exception {
    return Files.readString(w.host.tree().path(w.host.mlx5().pfDir() + "/sriov/0/port")).strip();
  }

  @Test
  void deployJoinsTheGuidToThePartitionOfItsVlan() {
    CliRun r = w.deploy(VM, DriverCommandTest.deployment(VM, "sriov_ib2"));

    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.err()).doesNotContain("must be granted");
    assertThat(ufm.partitions).containsOnlyKeys("0x4e20");
    assertThat(ufm.partitions.get("0x4e20").guids).containsExactly(java.util.Map.entry(LEASED, "full"));
  }

  @Test
  void aServerErrorOnTheJoinFailsTheDeployWithNothingHalfDone() throws Exception {
    String guidBefore = vfGuid();
    ufm.failNext("POST /ufmRest/resources/pkeys", 503);

    CliRun r = w.deploy(VM, DriverCommandTest.deployment(VM, "sriov_ib2"));

    assertThat(r.exitCode()).isNotZero();
    assertThat(r.err()).contains("deploy of one-" + VM + " failed")
        .contains("answered POST /ufmRest/resources/pkeys with 503");
    assertThat(w.leases()).isEmpty();
    assertThat(w.ledger().history()).extracting(h -> h.action()).doesNotContain("deploy");
    assertThat(w.libvirt.domain("one-" + VM).filter(DomainInfo::isActive)).isEmpty();
    assertThat(ufm.partitions).isEmpty();
    assertThat(vfGuid()).isEqualTo(guidBefore);
  }
}
