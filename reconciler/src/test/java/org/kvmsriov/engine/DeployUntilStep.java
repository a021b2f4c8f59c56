package org.kvmsriov.engine;

import java.util.List;
import java.util.Map;
import org.kvmsriov.actions.Caller;
import org.kvmsriov.actions.DriverCall;
import org.kvmsriov.actions.DriverService;
import org.kvmsriov.app.Wiring;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.kvmsriov.adapters.libvirt.LibvirtHypervisor;
import org.kvmsriov.adapters.sysfs.SysfsFabricView;
import org.kvmsriov.config.HostStateLoader;
import org.kvmsriov.ledger.FileLedger;
import org.kvmsriov.ledger.ProcessOwners;

/**
 * A deploy that announces each step on stdout and, at the step named in argv, waits to be
 * killed: the child process of {@link DeployCrashTest}.
 *
 * <p>argv: host.yaml, ledger dir, sysfs root, libvirt URI, deployment file path, VM id, stop step.
 */
public final class DeployUntilStep {

  public static void main(String[] args) throws Exception {
    String stopAt = args[6];
    PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
    Wiring w = new Wiring(new Wiring.Host(Path.of(args[0]), Path.of(args[1]), Path.of(args[2]), Optional.of(args[3])),
        LibvirtHypervisor::open, Clock.systemUTC());
    DriverService svc = w.driverService(w.perRequest(), Path.of("/nonexistent"), Duration.ofSeconds(5),
        (host, argv) -> "", step -> {
          out.println("at " + step);
          if (step.equals(stopAt)) {
            try {
              System.in.read(); // blocks until the parent kills us
            } catch (java.io.IOException e) {
              throw new IllegalStateException(e);
            }
          }
        });
    Path file = Path.of(args[4]);
    byte[] xml = Files.readAllBytes(file.resolveSibling("input.xml"));
    java.io.ByteArrayOutputStream id = new java.io.ByteArrayOutputStream();
    int code = svc.handle(new DriverCall.Vmm("deploy", List.of(file.toString(), "node01", args[5], "node01")),
        new java.io.ByteArrayInputStream(xml), id, System.err, new Caller(Map.of()));
    out.println(code == 0 ? "deployed " + id.toString(StandardCharsets.UTF_8).strip() : "failed " + code);
  }
}
