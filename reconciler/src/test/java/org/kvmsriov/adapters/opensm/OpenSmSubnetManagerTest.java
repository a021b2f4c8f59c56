package org.kvmsriov.adapters.opensm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvmsriov.model.Guid;
import org.kvmsriov.model.Pkey;
import org.kvmsriov.model.SubnetManagerSpec;
import org.kvmsriov.model.SubnetManagerSpec.Reload;
import org.kvmsriov.port.Membership;
import org.kvmsriov.port.PartitionMember;
import org.kvmsriov.port.SubnetManager.Removal;
import org.kvmsriov.port.SubnetManagerException;

/**
 * The OpenSM adapter on a partitions.conf of this host: atomic, locked edits that keep the
 * operator's bytes, the file's mode, and a signal to the process in the pid file.
 */
class OpenSmSubnetManagerTest {

  static final String OPERATOR = "# kept by hand\nDefault=0x7fff, ipoib : ALL=full ; # everyone\n"
      + "tenant = 0x4e20 : 0x0002c90300a1b2c3=full ;\n";
  static final Pkey P4E20 = new Pkey(0x4e20);
  static final Guid VF1 = Guid.parse("0xaa00000000000001");

  @TempDir Path dir;

  private Path conf(String text) throws Exception {
    Path f = dir.resolve("partitions.conf");
    Files.writeString(f, text, StandardCharsets.ISO_8859_1);
    return f;
  }

  private OpenSmSubnetManager sm(Path file, Reload reload, Optional<Path> pidFile) {
    return new OpenSmSubnetManager(new SubnetManagerSpec.OpenSm("fabric", file, Optional.empty(), reload, pidFile),
        Duration.ofSeconds(30));
  }

  @Test
  void addsAndRemovesAMemberAndKeepsEveryOtherByte() throws Exception {
    // a UTF-8 comment: bytes, not characters, must survive
    String operator = OPERATOR.replace("# kept by hand", "# gepflegt von Hand — à la main");
    Path f = conf("");
    Files.write(f, operator.getBytes(StandardCharsets.UTF_8));
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r-----"));
    byte[] before = Files.readAllBytes(f);
    OpenSmSubnetManager sm = sm(f, Reload.NONE, Optional.empty());

    sm.add(P4E20, VF1, Membership.FULL);

    byte[] after = Files.readAllBytes(f);
    assertThat(new String(after, StandardCharsets.UTF_8))
        .isEqualTo(operator + "kvmsriov_0x4e20=0x4e20 : 0xaa00000000000001=full ;\n");
    assertThat(java.util.Arrays.copyOf(after, before.length)).isEqualTo(before);
    assertThat(Files.getPosixFilePermissions(f)).isEqualTo(PosixFilePermissions.fromString("rw-r-----"));
    assertThat(sm.observe(Set.of(VF1))).containsExactly(new PartitionMember(P4E20, VF1, Membership.FULL, true));
    // by predicate: kvm-sriov's GUIDs start with the MAC prefix, the operator's storage node's do not
    assertThat(sm.observe(g -> g.value() >>> 56 == 0xaa))
        .containsExactly(new PartitionMember(P4E20, VF1, Membership.FULL, true));
    assertThat(sm.observe(g -> true)).hasSize(2);
    assertThat(dir.resolve("partitions.conf.kvmsriov.tmp")).doesNotExist();

    sm.add(new Pkey(0xce20), VF1, Membership.FULL); // the same partition: nothing to do
    assertThat(Files.readAllBytes(f)).isEqualTo(after);

    assertThat(sm.remove(new Pkey(0xce20), VF1)).isEqualTo(Removal.REMOVED);
    assertThat(Files.readAllBytes(f)).isEqualTo(before);
    assertThat(sm.remove(P4E20, VF1)).isEqualTo(Removal.ABSENT);
  }

  @Test
  void keepsWhatTheOperatorListed() throws Exception {
    Path f = conf(OPERATOR);
    Guid storage = Guid.parse("0x0002c90300a1b2c3");
    OpenSmSubnetManager sm = sm(f, Reload.NONE, Optional.empty());

    assertThat(sm.observe(Set.of(storage, VF1)))
        .containsExactly(new PartitionMember(P4E20, storage, Membership.FULL, false));
    assertThat(sm.remove(P4E20, storage)).isEqualTo(Removal.KEPT);
    assertThat(Files.readString(f, StandardCharsets.ISO_8859_1)).isEqualTo(OPERATOR);
  }

  @Test
  void editsFromManyWritersAllLand() throws Exception {
    Path f = conf(OPERATOR);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<?>> done = new ArrayList<>();
    for (int i = 1; i <= 12; i++) {
      Guid g = new Guid(0xaa00000000000000L + i);
      // separate adapters, as separate kvm-sriov processes would be
      done.add(pool.submit(() -> sm(f, Reload.NONE, Optional.empty()).add(P4E20, g, Membership.FULL)));
    }
    for (Future<?> d : done) {
      d.get();
    }
    pool.shutdown();

    PartitionsConf after = PartitionsConf.parse(Files.readString(f, StandardCharsets.ISO_8859_1));
    assertThat(after.text()).startsWith(OPERATOR);
    assertThat(after.entries().get(2).ports()).hasSize(12);
  }

  @Test
  void refusesAFileOpenSmWouldRejectAndLeavesItAlone() throws Exception {
    String broken = OPERATOR + "oops = 0x10 : 0xnope ;\n";
    Path f = conf(broken);
    OpenSmSubnetManager sm = sm(f, Reload.NONE, Optional.empty());

    assertThatThrownBy(() -> sm.add(P4E20, VF1, Membership.FULL)).isInstanceOf(SubnetManagerException.class)
        .hasMessage(f + " on this host, line 4: bad PortGUID '0xnope'; kvm-sriov edits only a file OpenSM reads"
            + " without errors");
    assertThat(Files.readString(f, StandardCharsets.ISO_8859_1)).isEqualTo(broken);
  }

  @Test
  void neverCreatesAPartitionsFile() {
    Path f = dir.resolve("missing.conf");
    assertThatThrownBy(() -> sm(f, Reload.NONE, Optional.empty()).add(P4E20, VF1, Membership.FULL))
        .isInstanceOf(SubnetManagerException.class)
        .hasMessageStartingWith(f + " does not exist on this host; kvm-sriov only edits an existing partitions file");
    assertThat(f).doesNotExist();
  }

  @Test
  void signalsTheProcessInThePidFileAfterAChange() throws Exception {
    Path f = conf(OPERATOR);
    Path marker = dir.resolve("hup");
    // a stand-in for OpenSM that notes every SIGHUP
    Process opensm = new ProcessBuilder("sh", "-c",
        "trap 'echo hup >> " + marker + "' HUP; echo ready; while :; do sleep 0.05; done").start();
    try {
      assertThat(new String(opensm.getInputStream().readNBytes(6), StandardCharsets.US_ASCII)).isEqualTo("ready\n");
      Path pid = dir.resolve("opensm.pid");
      Files.writeString(pid, opensm.pid() + "\n");
      OpenSmSubnetManager sm = sm(f, Reload.HUP, Optional.of(pid));

      sm.add(P4E20, VF1, Membership.LIMITED);
      awaitLines(marker, 1);
      sm.add(P4E20, VF1, Membership.LIMITED); // no change, no signal
      sm.remove(P4E20, VF1);
      awaitLines(marker, 2);
      assertThat(Files.readAllLines(marker)).hasSize(2);
    } finally {
      opensm.destroyForcibly().waitFor();
    }
  }

  @Test
  void aFailedSignalIsReportedWithTheFileAlreadyChanged() throws Exception {
    Path f = conf(OPERATOR);
    Path pid = dir.resolve("opensm.pid");
    Files.writeString(pid, "999999999\n");
    OpenSmSubnetManager sm = sm(f, Reload.HUP, Optional.of(pid));

    assertThatThrownBy(() -> sm.add(P4E20, VF1, Membership.FULL)).isInstanceOf(SubnetManagerException.class)
        .hasMessageStartingWith(f + " on this host is changed, but OpenSM was not told to re-read it: ")
        .hasMessageContaining("cannot signal the pid in " + pid);
    assertThat(sm.observe(Set.of(VF1))).hasSize(1);
  }

  @Test
  void reachesARemoteSmThroughSshWithEveryWordQuotedForItsShell() throws Exception {
    Path odd = Files.createDirectories(dir.resolve("it's $HOME; a \"dir\""));
    Path f = odd.resolve("partitions.conf");
    Files.writeString(f, OPERATOR);
    // ssh joins its arguments into one string for the remote login shell; so does this stand-in
    Path ssh = dir.resolve("ssh");
    Files.writeString(ssh, """
        #!/bin/sh
        while [ "$1" != "--" ]; do shift; done
        echo "$2" >> "$(dirname "$0")/ssh-destinations"
        shift 2
        exec sh -c "$*"
        """);
    ssh.toFile().setExecutable(true);
    SubnetManagerSpec.OpenSm spec = new SubnetManagerSpec.OpenSm("fabric", f, Optional.of("root@sm1"), Reload.NONE,
        Optional.empty());
    OpenSmSubnetManager sm = new OpenSmSubnetManager(spec,
        new SmShell(spec.host(), Duration.ofSeconds(30), ssh.toString()));

    sm.add(P4E20, VF1, Membership.FULL);

    assertThat(Files.readString(f)).isEqualTo(OPERATOR + "kvmsriov_0x4e20=0x4e20 : 0xaa00000000000001=full ;\n");
    assertThat(sm.observe(Set.of(VF1))).hasSize(1);
    assertThat(Files.readAllLines(dir.resolve("ssh-destinations"))).containsOnly("root@sm1");
    Files.delete(f);
    assertThatThrownBy(() -> sm.observe(Set.of(VF1))).hasMessageStartingWith(f + " does not exist on root@sm1;");
  }

  private static void awaitLines(Path file, int n) throws Exception {
    Instant deadline = Instant.now().plusSeconds(60); // generous: the machine may be loaded
    while (!Files.exists(file) || Files.readAllLines(file).size() < n) {
      assertThat(Instant.now()).as("SIGHUP number " + n + " within 60 s").isBefore(deadline);
      Thread.sleep(20);
    }
  }
}
