package org.kvmsriov.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.Pkey;
import org.kvmsriov.port.Lease;
import org.kvmsriov.testsupport.CliRun;
import org.kvmsriov.testsupport.VnmTemplate;

/**
 * The sriov_partition network driver's post and clean, run as OpenNebula's VMM actions run them
 * (5.4–5.8: base64 template as the first argument; 5.10+: on stdin, 6.x with the host appended),
 * against libvirt's test driver and the ConnectX-3 of the standard sysfs host: they map and clear
 * partitions through the same engine and ledger as reconcile passes, scoped to the VM.
 */
class VnmStepsTest extends DriverWorldTest {

  @Override
  String hostYaml() {
    return SaveRestoreTest.HOST;
  }

  static String mac(int vmId, int nic) {
    return String.format("02:00:0a:00:%02x:%02x", vmId, nic);
  }

  Path storedTemplate(int vmId) {
    return w.ledgerDir.resolve("templates/" + vmId + ".xml");
  }

  Lease leaseOf(PciAddress vf) {
    return w.ledger().leaseOfVf(vf).orElseThrow();
  }

  void deployWithPre(int vmId, VnmTemplate t, String... bridges) {
    CliRun pre = w.vnm(t.base64(), "pre");
    assertThat(pre.exitCode()).as(pre.err()).isZero();
    CliRun r = w.deploy(vmId, DriverCommandTest.deployment(vmId, bridges));
    assertThat(r.exitCode()).as(r.err()).isZero();
  }

  @Test
  void postMapsThePartitionDeployDidNotKnowAndASecondPostFindsNothingToDo() throws Exception {
    // no pre, no vm.xml: deploy maps the default partition
    assertThat(w.deploy(80, DriverCommandTest.deployment(80, "sriov_ib0")).exitCode()).isZero();
    PciAddress vf = w.host.mlx4().vfs().get(0);
    assertThat(leaseOf(vf).pkey()).contains(Pkey.DEFAULT_FULL);
    assertThat(w.pkeyIdx(0, 0)).isEqualTo("0");
    String b64 = VnmTemplate.vm(80).nic(0, "sriov_ib0", mac(80, 0), "11").base64();

    CliRun post = w.vnm(b64, "post", "one-80"); // 5.10-5.12
    assertThat(post.exitCode()).as(post.err()).isZero();
    assertThat(post.err()).isEqualTo("INFO: map ib0 VF 0 pkey index 0 to 0x000b (port index 2; shows port index 0)\n");
    assertThat(post.out()).isEmpty();
    assertThat(w.pkeyIdx(0, 0)).isEqualTo("2");
    assertThat(leaseOf(vf).pkey()).contains(new Pkey(0x000b));

    String ledger = w.ledgerFile();
    CliRun again = w.vnm(b64, "post", "one-80");
    assertThat(again.exitCode()).isZero();
    assertThat(again.err()).isEmpty();
    assertThat(w.ledgerFile()).isEqualTo(ledger);
    // and a release resets what post mapped
    assertThat(w.driver("", "cancel", "one-80", "node01", "80", "node01").exitCode()).isZero();
    assertThat(w.pkeyIdx(0, 0)).isEqualTo("0");
  }

  @Test
  void postBlocksAPartitionThePortLacksAndReprogramsADriftedGuid() throws Exception {
    deployWithPre(81, VnmTemplate.vm(81).nic(0, "sriov_ib0", mac(81, 0), "11"), "sriov_ib0");
    Path admin = w.host.tree().path(w.host.mlx4().hcaDir() + "/iov/ports/1/admin_guids/1");
    Files.writeString(admin, "3e8c1d2f00a40101\n"); // someone reprogrammed it behind our back

    // 5.4-5.8: post <base64 template> <deploy id>; the network's VLAN_ID is now 77, not in the table
    CliRun post = w.vnm("", "post", VnmTemplate.vm(81).nic(0, "sriov_ib0", mac(81, 0), "77").base64(), "one-81");
    assertThat(post.exitCode()).as(post.err()).isZero();
    assertThat(post.err()).isEqualTo("""
        INFO: program GUID 00:00:aa:00:0a:00:51:00 on ib0 VF 0 (shows 3e:8c:1d:2f:00:a4:01:01)
        INFO: block ib0 VF 0 of one-81: partition 77 (0x804d or 0x004d) is not in the port's pkey table (shows port index 2)
        """);
    assertThat(w.ibState(0)).isEqualTo("aa000a005100 pkey_idx none,none");
    assertThat(leaseOf(w.host.mlx4().vfs().get(0)).pkey()).contains(Pkey.BLOCKED);
    // passes keep it blocked
    assertThat(w.reconcile("--once").out()).isEqualTo("converged: nothing to do\n");
  }

  @Test
  void postOf6xTakesTheUuidAndHost() throws Exception {
    deployWithPre(82, VnmTemplate.vm(82).nic(0, "sriov_ib0", mac(82, 0), "11"), "sriov_ib0");
    String uuid = w.domain("one-82").orElseThrow().uuid().toString();
    CliRun post = w.vnm(VnmTemplate.vm(82).nic(0, "sriov_ib0", mac(82, 0), "11").base64(), "post", uuid, "node01");
    assertThat(post.err()).isEmpty();
    assertThat(post.exitCode()).isZero();
    assertThat(w.ibState(0)).isEqualTo("aa000a005200 pkey_idx 2,none");
  }

  @Test
  void cleanReleasesAtOnceTheVfsOfAVmWhoseDomainIsGoneAndForgetsItsTemplate() throws Exception {
    String before = w.ibState(0);
    VnmTemplate t = VnmTemplate.vm(83).deployId("one-83").nic(0, "sriov_ib0", mac(83, 0), "11");
    deployWithPre(83, t, "sriov_ib0");
    assertThat(storedTemplate(83)).exists();
    w.libvirt.destroy("one-83"); // gone, seconds ago: well inside the grace period

    CliRun clean = w.vnm(t.base64(), "clean", "node01"); // 6.x
    assertThat(clean.exitCode()).as(clean.err()).isZero();
    assertThat(clean.err()).isEqualTo("INFO: release ib0 VF 0 (" + w.host.mlx4().vfs().get(0)
        + ") leased to one-83: OpenNebula's network driver let go of one-83\n");
    assertThat(w.leases()).isEmpty();
    assertThat(w.ibState(0)).as("GUID and pkey map reset").isEqualTo(before.replace("pkey_idx 1,0", "pkey_idx 0,none"));
    assertThat(storedTemplate(83)).doesNotExist();
  }

  @Test
  void cleanNeverReleasesAVfARunningDomainHolds() throws Exception {
    VnmTemplate t = VnmTemplate.vm(84).nic(0, "sriov_ib0", mac(84, 0), "11");
    deployWithPre(84, t, "sriov_ib0");
    String ledger = w.ledgerFile();
    String state = w.ibState(0);

    CliRun clean = w.vnm("", "clean", t.base64()); // 5.4-5.8
    assertThat(clean.exitCode()).as(clean.err()).isZero();
    assertThat(clean.err()).isEmpty();
    assertThat(w.ledgerFile()).isEqualTo(ledger);
    assertThat(w.ibState(0)).isEqualTo(state);
    assertThat(storedTemplate(84)).as("the VM is not gone").exists();

    // nor does it do what an ordinary pass would for a VM that is leaving: adopt its VF
    try (var s = new org.kvmsriov.ledger.FileLedger(w.ledgerDir).open(java.time.Duration.ofSeconds(5))) {
      s.commit(s.state().without(w.leases().get(0).key()));
    }
    assertThat(w.reconcile("--once", "--dry-run", "--domain", "one-84").out()).contains("adopt ib0 VF 0");
    String unleased = w.ledgerFile();
    CliRun again = w.vnm(t.base64(), "clean", "node01");
    assertThat(again.exitCode()).as(again.err()).isZero();
    assertThat(again.err()).isEmpty();
    assertThat(w.ledgerFile()).isEqualTo(unleased);
  }

  @Test
  void cleanOfADetachedNicReleasesOnlyThatNicAndOnlyOurVnMadsNics() throws Exception {
    VnmTemplate t = VnmTemplate.vm(85).nic(0, "sriov_ib0", mac(85, 0), "11").nic(1, "sriov_ib0", mac(85, 1), "11")
        .nic(2, "sriov_enp3s0f0", mac(85, 2), null, "other_vnmad", false);
    deployWithPre(85, t, "sriov_ib0", "sriov_ib0", "sriov_enp3s0f0");
    assertThat(w.leases()).hasSize(3);
    w.libvirt.destroy("one-85");

    VnmTemplate detaching = VnmTemplate.vm(85).nic(0, "sriov_ib0", mac(85, 0), "11")
        .nic(1, "sriov_ib0", mac(85, 1), "11", "sriov_partition", true)
        .nic(2, "sriov_enp3s0f0", mac(85, 2), null, "other_vnmad", false);
    CliRun one = w.vnm(detaching.base64(), "clean");
    assertThat(one.exitCode()).as(one.err()).isZero();
    assertThat(w.leases()).extracting(Lease::vf)
        .containsExactlyInAnyOrder(w.host.mlx4().vfs().get(0), w.host.nic().vfs().get(0));
    assertThat(w.pkeyIdx(1, 0)).as("NIC 1's VF reset").isEqualTo("0");
    assertThat(storedTemplate(85)).as("a NIC detach keeps the template").exists();

    CliRun all = w.vnm(t.base64(), "clean");
    assertThat(all.exitCode()).as(all.err()).isZero();
    assertThat(w.leases()).as("other_vnmad's NIC waits for the grace period").extracting(Lease::vf)
        .containsExactly(w.host.nic().vfs().get(0));
    assertThat(storedTemplate(85)).doesNotExist();
  }

  @Test
  void aVmWithoutOurNicsIsNoneOfOurBusiness() throws Exception {
    String b64 = VnmTemplate.vm(88).nic(0, "br0", mac(88, 0), "7", "802.1Q", false).base64();
    for (String step : new String[] {"pre", "post", "clean"}) {
      CliRun r = w.vnm(b64, step, "one-88");
      assertThat(r.exitCode()).as(step).isZero();
      assertThat(r.err()).isEmpty();
    }
    assertThat(storedTemplate(88)).doesNotExist();
    assertThat(w.ledgerFile()).isEmpty();
  }

  @Test
  void refusesBadBase64ADoctypeAnotherVmsDeployIdAndABadVlanIdChangingNothing() throws Exception {
    VnmTemplate t = VnmTemplate.vm(86).nic(0, "sriov_ib0", mac(86, 0), "11");
    deployWithPre(86, t, "sriov_ib0");
    deployWithPre(87, VnmTemplate.vm(87).nic(0, "sriov_ib0", mac(87, 0), "11"), "sriov_ib0");
    w.libvirt.destroy("one-86"); // a clean that got through would release its VF
    String ledger = w.ledgerFile();
    String vf0 = w.ibState(0);
    String template = Files.readString(storedTemplate(86));
    String otherUuid = w.domain("one-87").orElseThrow().uuid().toString();
    String doctype = Base64.getEncoder().encodeToString(("<?xml version='1.0'?><!DOCTYPE VM [<!ENTITY x SYSTEM"
        + " 'file:///etc/passwd'>]>" + t.xml().replace("<ID>86</ID>", "<ID>86</ID><NAME>&x;</NAME>"))
        .getBytes(StandardCharsets.UTF_8));

    record Refusal(String stdin, String[] args, String message) {}
    Refusal[] refusals = {
        new Refusal("%%%% not base64 %%%%", new String[] {"post", "one-86"}, "post: the VM template is not valid base64"),
        new Refusal("", new String[] {"clean", t.base64() + "A"}, "clean: the VM template is not valid base64"),
        new Refusal(doctype, new String[] {"clean", "node01"}, "declares a DOCTYPE; refused"),
        new Refusal(t.base64(), new String[] {"post", "one-99", "node01"},
            "post: deploy id 'one-99' is not VM 86's domain one-86; refused"),
        new Refusal(t.base64(), new String[] {"post", otherUuid, "node01"},
            "post: deploy id '" + otherUuid + "' is domain one-87, not VM 86's one-86; refused"),
        new Refusal(VnmTemplate.vm(86).deployId("one-87").nic(0, "sriov_ib0", mac(86, 0), "11").base64(),
            new String[] {"clean", "node01"}, "clean: deploy id 'one-87' is not VM 86's domain one-86; refused"),
        new Refusal(VnmTemplate.vm(86).nic(0, "sriov_ib0", mac(86, 0), "eleven").base64(),
            new String[] {"post", "one-86"}, "VLAN_ID 'eleven' is not an InfiniBand partition number"),
    };
    for (Refusal r : refusals) {
      CliRun run = w.vnm(r.stdin(), r.args());
      assertThat(run.exitCode()).as(r.message()).isEqualTo(2);
      assertThat(run.err()).as(r.message()).startsWith("ERROR MESSAGE --8<------\n").contains(r.message())
          .endsWith("ERROR MESSAGE ------>8--\n");
      assertThat(w.ledgerFile()).as(r.message()).isEqualTo(ledger);
      assertThat(w.ibState(0)).as(r.message()).isEqualTo(vf0);
      assertThat(Files.readString(storedTemplate(86))).as(r.message()).isEqualTo(template);
    }
  }
}
