package org.kvmsriov.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvmsriov.port.LeaseOwner;
import org.kvmsriov.port.LedgerSession;
import org.kvmsriov.testsupport.Jvm;

/** An owner is recognised as gone when its process died, its pid was reused, or the host rebooted. */
class ProcessOwnersTest {

  @TempDir Path tmp;

  Path procWithBootId(String id) throws Exception {
    Path f = tmp.resolve("proc/sys/kernel/random/boot_id");
    Files.createDirectories(f.getParent());
    Files.writeString(f, id + "\n");
    return tmp;
  }

  @Test
  void thisProcessIsAliveAndAnEarlierBootIsNot() throws Exception {
    ProcessOwners owners = new ProcessOwners(procWithBootId("3f1c2a5e-0d4b-4e1f-9a7c-2b6d8e0f1a2b"));
    LeaseOwner.Process me = owners.current();
    assertThat(me.pid()).isEqualTo(ProcessHandle.current().pid());
    assertThat(me.bootId()).isEqualTo("3f1c2a5e-0d4b-4e1f-9a7c-2b6d8e0f1a2b");
    assertThat(owners.isAlive(me)).isTrue();
    assertThat(owners.isAlive(new LeaseOwner.Process(me.pid(), me.startTime(), "00000000-0000-0000-0000-000000000000")))
        .isFalse();
    // same pid, other start time: the pid was reused by another process
    assertThat(owners.isAlive(new LeaseOwner.Process(me.pid(),
        me.startTime().map(t -> t.minusSeconds(3600)), me.bootId()))).isFalse();
  }

  @Test
  void aKilledChildThatHeldALeaseIsGone() throws Exception {
    Path ledgerDir = tmp.resolve("ledger");
    Process child = Jvm.start(LedgerChild.class, "crash", ledgerDir.toString(), "RENAMED", "one-3");
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      assertThat(out.readLine()).isEqualTo("at step " + WriteStep.RENAMED.ordinal());
      ProcessOwners owners = new ProcessOwners(Path.of("/"));
      LeaseOwner.Process owner = (LeaseOwner.Process) new FileLedger(ledgerDir).snapshot().leases().values()
          .iterator().next().owner();
      assertThat(owner.pid()).isEqualTo(child.pid());
      assertThat(owners.isAlive(owner)).isTrue(); // the child's own view of its start time matches ours
      child.destroyForcibly();
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(owners.isAlive(owner)).isFalse();
      try (LedgerSession s = new FileLedger(ledgerDir).open(Duration.ofSeconds(5))) {
        assertThat(s.state().leases()).hasSize(1);
      }
    } finally {
      child.destroyForcibly();
    }
  }

  @Test
  void anUnknownBootIdOrStartTimeErrsTowardsAlive() throws Exception {
    ProcessOwners noProc = new ProcessOwners(tmp.resolve("empty"));
    assertThat(noProc.bootId()).isEqualTo("unknown");
    long me = ProcessHandle.current().pid();
    assertThat(noProc.isAlive(new LeaseOwner.Process(me, Optional.empty(), "unknown"))).isTrue();
  }

  @Test
  void aMalformedBootIdIsAnError() throws Exception {
    ProcessOwners owners = new ProcessOwners(procWithBootId("not-a-boot-id"));
    assertThatThrownBy(owners::bootId).hasMessageEndingWith("boot_id: 'not-a-boot-id' is not a boot id");
  }
}
