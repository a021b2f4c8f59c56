package org.kvmsriov.remotes;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvmsriov.cli.Main;
import org.kvmsriov.client.Client;
import org.kvmsriov.testsupport.Jvm;

/**
 * OpenNebula's calls through {@link Client}: with {@code kvm-sriov daemon} serving its socket they
 * give byte for byte what the CLI gives, one process per call, on the same world
 * ({@link DriverServiceHostsTest}'s); a peer that is neither root nor the OpenNebula user is refused
 * and changes nothing; with no daemon the client runs the CLI, with the same answers, and logs that
 * once.
 */
class DaemonSocketTest {

  @TempDir Path dir;

  final DriverServiceHostsTest hosts = new DriverServiceHostsTest();

  @Test
  void callsThroughTheDaemonAnswerAsTheCliAndOthersAreRefused() throws Exception {
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x")); // nobody reaches the socket
    Path launcher = CliLauncher.write(dir.resolve("bin"), DriverServiceHostsTest.ROOT);
    hosts.world = dir.resolve("world");
    hosts.buildWorld();
    List<DriverServiceHostsTest.Result> cold = hosts.throughTheLauncher(launcher);

    hosts.buildWorld();
    // one pass an hour: the first, at start, runs before the world is rebuilt under it
    Files.writeString(hosts.world.resolve("host.yaml"), "reconcile:\n  interval_seconds: 3600\n",
        java.nio.file.StandardOpenOption.APPEND);
    Path socket = Files.createDirectories(dir.resolve("run")).resolve("kvm-sriov.sock");
    Files.setPosixFilePermissions(socket.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
    List<String> cmd = Jvm.command(Main.class.getName());
    cmd.addAll(List.of("daemon", "--state", hosts.world.resolve("host.yaml").toString(),
        "--ledger-dir", hosts.world.resolve("ledger").toString(), "--sysfs-root", hosts.world.resolve("root").toString(),
        "--libvirt-uri", "test://" + hosts.world.resolve("node.xml"), "--stock-dir", hosts.world.resolve("stock").toString(),
        "--socket", socket.toString(), "--socket-user", "oneadmin", "--socket-group", "nogroup"));
    Process daemon = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    List<String> log = new CopyOnWriteArrayList<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(daemon.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          log.add(line);
        }
      } catch (java.io.IOException ignored) {
        // the daemon ended
      }
    });
    reader.start();
    try {
      await(log, "kvm-sriov daemon: pass took ");
      assertThat(log).contains("kvm-sriov daemon: serving driver calls on " + socket + " for root and oneadmin");
      assertThat(Files.getPosixFilePermissions(socket)).isEqualTo(PosixFilePermissions.fromString("rw-rw----"));
      hosts.buildWorld();

      Map<String, String> env = new java.util.HashMap<>(hosts.env());
      env.put("KVM_SRIOV_SOCKET", socket.toString());
      env.put("KVM_SRIOV_CLIENT_LOG", dir.resolve("client.log").toString());
      env.put("KVM_SRIOV_CLI", "/nonexistent/kvm-sriov"); // a fallback would fail the comparison
      List<DriverServiceHostsTest.Result> warm = hosts.oneProcessEach(Jvm.command(Client.class.getName()), env);

      assertThat(warm).containsExactlyElementsOf(cold);
      assertThat(warm).extracting(DriverServiceHostsTest.Result::code).containsExactly(0, 0, 1, 0, 0);
      assertThat(dir.resolve("client.log")).doesNotExist();

      // nobody may connect (group nogroup, mode 0660) but is neither root nor oneadmin
      hosts.buildWorld();
      List<String> asNobody = new ArrayList<>(List.of("runuser", "-u", "nobody", "--", Jvm.java(), "-XX:-UsePerfData",
          "-cp", clientClasses().toString(), Client.class.getName()));
      DriverServiceHostsTest.Result refused = hosts.oneProcessEach(asNobody, env).get(0);
      assertThat(refused).isEqualTo(new DriverServiceHostsTest.Result(2, "",
          "kvm-sriov daemon: refused: user nobody is neither root nor oneadmin; run the action as one of them\n"));
      assertThat(hosts.world.resolve("ledger")).doesNotExist();
      assertThat(hosts.world.resolve("datastores")).doesNotExist();
    } finally {
      daemon.toHandle().destroy();
    }
    assertThat(daemon.waitFor(60, TimeUnit.SECONDS)).isTrue();
    reader.join(10_000);
    assertThat(daemon.exitValue()).as(String.join("\n", log)).isZero();
    assertThat(socket).as("removed on stop").doesNotExist();
  }

  @Test
  void withNoDaemonTheClientRunsTheCliAndLogsThatOnce() throws Exception {
    Path launcher = CliLauncher.write(dir.resolve("bin"), DriverServiceHostsTest.ROOT);
    hosts.world = dir.resolve("world");
    hosts.buildWorld();
    List<DriverServiceHostsTest.Result> cold = hosts.throughTheLauncher(launcher);

    hosts.buildWorld();
    Map<String, String> env = new java.util.HashMap<>(hosts.env());
    env.put("KVM_SRIOV_SOCKET", dir.resolve("run/absent.sock").toString());
    env.put("KVM_SRIOV_CLIENT_LOG", dir.resolve("log/client.log").toString());
    env.put("KVM_SRIOV_CLI", launcher.toString());
    List<DriverServiceHostsTest.Result> fallback = hosts.oneProcessEach(Jvm.command(Client.class.getName()), env);

    assertThat(fallback).containsExactlyElementsOf(cold);
    List<String> logged = Files.readAllLines(dir.resolve("log/client.log"));
    assertThat(logged).hasSize(1);
    assertThat(logged.get(0)).contains("kvm-sriov client: no daemon at " + dir.resolve("run/absent.sock"))
        .endsWith("running kvm-sriov in-process until it is back");
  }

  /** The client's classes alone, where nobody can read them. */
  Path clientClasses() throws Exception {
    Path from = Path.of(Client.class.getProtectionDomain().getCodeSource().getLocation().toURI())
        .resolve("org/kvmsriov/client");
    Path to = Files.createDirectories(dir.resolve("client-classes/org/kvmsriov/client"));
    try (Stream<Path> s = Files.list(from)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Files.copy(p, to.resolve(p.getFileName()));
      }
    }
    try (Stream<Path> s = Files.walk(dir.resolve("client-classes"))) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
      }
    }
    return dir.resolve("client-classes");
  }

  static void await(List<String> log, String prefix) throws InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
    while (log.stream().noneMatch(l -> l.startsWith(prefix))) {
      assertThat(Instant.now()).as("daemon logged '" + prefix + "': " + log).isBefore(deadline);
      Thread.sleep(50); // polling the log with a deadline
    }
  }
}
