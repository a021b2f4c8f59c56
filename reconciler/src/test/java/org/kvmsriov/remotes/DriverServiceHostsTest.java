package org.kvmsriov.remotes;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvmsriov.actions.Caller;
import org.kvmsriov.actions.DriverCall;
import org.kvmsriov.actions.DriverService;
import org.kvmsriov.app.HypervisorConnector;
import org.kvmsriov.app.Wiring;
import org.kvmsriov.testsupport.SysfsHosts;

/**
 * The proof that a daemon can host the driver: {@link DriverService} driven several times in one
 * JVM with in-memory streams (two deploys, a save, a restore, a shutdown) gives byte for byte the
 * stdout, stderr and exit codes of the same calls made through the kvm-sriov launcher, one process
 * each. Both start from the same world at the same paths: the sysfs fixture, host.yaml, an empty
 * ledger, a libvirt test-driver node file (each connection to it starts from the file, in a
 * process as across processes) and a stock {@code restore} script.
 */
class DriverServiceHostsTest {

  static final Path ROOT = Path.of(System.getProperty("kvmsriov.projectRoot", "..")).toAbsolutePath().normalize();

  @TempDir Path dir;

  record Call(String action, List<String> args, String stdin) {}

  record Result(int code, String out, String err) {}

  Path world;

  List<Call> calls() {
    Path ds = world.resolve("datastores/0");
    return List.of(
        new Call("deploy", List.of(ds.resolve("91/deployment.0").toString(), "node01", "91", "node01"),
            org.kvmsriov.engine.DriverCommandTest.deployment(91, "sriov_enp3s0f0")),
        new Call("deploy", List.of(ds.resolve("92/deployment.0").toString(), "node01", "92", "node01"),
            org.kvmsriov.engine.DriverCommandTest.deployment(92, "sriov_ib0", "sriov_enp3s0f0")),
        new Call("save", List.of("one-91", ds.resolve("91/checkpoint").toString(), "node01", "91", "node01"), ""),
        new Call("restore", List.of(ds.resolve("94/checkpoint").toString(), "node01", "one-94", "94", "node01"), ""),
        new Call("shutdown", List.of("one-92", "node01", "92", "node01"), ""));
  }

  /** A fresh world at {@code world}: the same files, whatever ran before. */
  void buildWorld() throws Exception {
    if (Files.exists(world)) {
      try (var s = Files.walk(world)) {
        s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    SysfsHosts.TwoNodeHost host = SysfsHosts.twoNodeHost(world.resolve("root"), false);
    Files.writeString(world.resolve("host.yaml"), """
        version: 1
        pfs:
          ib0: {mode: mlnx_ofed2, ofed: {port: 1}, vfs: [%s, %s]}
          enp3s0f0: {mode: generic, discover: true}
        """.formatted(host.mlx4().vfs().get(0), host.mlx4().vfs().get(1)));
    Files.writeString(world.resolve("node.xml"), "<node/>\n");
    Path stock = Files.createDirectories(world.resolve("stock"));
    Files.writeString(stock.resolve("restore"), "#!/bin/sh\necho \"stock restore $*\"\necho 'to stderr' >&2\n");
    stock.resolve("restore").toFile().setExecutable(true);
  }

  Map<String, String> env() {
    return Map.of("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", "LANG", "C",
        "KVM_SRIOV_STATE", world.resolve("host.yaml").toString(),
        "KVM_SRIOV_LEDGER_DIR", world.resolve("ledger").toString(),
        "KVM_SRIOV_SYSFS_ROOT", world.resolve("root").toString(),
        "KVM_SRIOV_STOCK_DIR", world.resolve("stock").toString(),
        "LIBVIRT_URI", "test://" + world.resolve("node.xml"));
  }

  List<Result> inOneJvm() {
    Wiring w = new Wiring(new Wiring.Host(world.resolve("host.yaml"), world.resolve("ledger"), world.resolve("root"),
        Optional.of("test://" + world.resolve("node.xml"))), HypervisorConnector.libvirt(), Clock.systemUTC());
    DriverService service = w.driverService(w.perRequest(), world.resolve("stock"), Duration.ofSeconds(300),
        (host, args) -> {
          throw new IllegalStateException("no migration here");
        }, step -> { });
    List<Result> out = new ArrayList<>();
    for (Call c : calls()) {
      ByteArrayOutputStream stdout = new ByteArrayOutputStream();
      ByteArrayOutputStream stderr = new ByteArrayOutputStream();
      int code = service.handle(new DriverCall.Vmm(c.action(), c.args()),
          new ByteArrayInputStream(c.stdin().getBytes(StandardCharsets.UTF_8)), stdout, stderr, new Caller(env()));
      out.add(new Result(code, stdout.toString(StandardCharsets.UTF_8), stderr.toString(StandardCharsets.UTF_8)));
    }
    return out;
  }

  List<Result> throughTheLauncher(Path launcher) throws Exception {
    return oneProcessEach(List.of(launcher.toString()), env());
  }

  /** Each call, one process each: {@code command} (a command line before its arguments) under {@code env}. */
  List<Result> oneProcessEach(List<String> command, Map<String, String> env) throws Exception {
    List<Result> out = new ArrayList<>();
    for (Call c : calls()) {
      List<String> argv = new ArrayList<>(command);
      argv.add("driver");
      argv.add(c.action());
      argv.addAll(c.args());
      ProcessBuilder pb = new ProcessBuilder(argv);
      pb.environment().clear();
      pb.environment().putAll(env);
      Process p = pb.start();
      p.getOutputStream().write(c.stdin().getBytes(StandardCharsets.UTF_8));
      p.getOutputStream().close();
      byte[] stderr = p.getErrorStream().readAllBytes();
      byte[] stdout = p.getInputStream().readAllBytes();
      assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
      out.add(new Result(p.exitValue(), new String(stdout, StandardCharsets.UTF_8),
          new String(stderr, StandardCharsets.UTF_8)));
    }
    return out;
  }

  @Test
  void theServiceInOneJvmAnswersAsOneProcessPerCallDoes() throws Exception {
    Path launcher = CliLauncher.write(dir.resolve("bin"), ROOT);
    world = dir.resolve("world");
    buildWorld();
    List<Result> warm = inOneJvm();
    buildWorld();
    List<Result> cold = throughTheLauncher(launcher);

    assertThat(warm).containsExactlyElementsOf(cold);
    // and they did what each call does: two deploy ids, a save libvirt refused (the domain lives
    // only in the process that created it), the stock restore of a VM without parked NICs, a shutdown
    assertThat(warm).extracting(Result::code).containsExactly(0, 0, 1, 0, 0);
    assertThat(warm.get(0).out()).isEqualTo("one-91\n");
    assertThat(warm.get(1).out()).isEqualTo("one-92\n");
    assertThat(warm.get(2).err()).startsWith("ERROR MESSAGE --8<------\nsave of one-91 failed: ");
    assertThat(warm.get(3).out()).startsWith("stock restore ");
    assertThat(warm.get(3).err()).isEqualTo("to stderr\n");
  }
}
