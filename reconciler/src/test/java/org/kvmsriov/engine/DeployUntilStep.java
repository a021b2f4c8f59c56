package org.kvmsriov.engine;

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
    try (LibvirtHypervisor h = LibvirtHypervisor.open(args[3])) {
      DriverActions actions = new DriverActions(HostStateLoader.load(Path.of(args[0])), h,
          new SysfsFabricView(Path.of(args[2])), new FileLedger(Path.of(args[1])),
          new ProcessOwners(Path.of("/")).current(), Clock.systemUTC(), out, Duration.ofSeconds(5),
          Duration.ofSeconds(5), step -> {
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
      String xml = Files.readString(file.resolveSibling("input.xml"));
      out.println("deployed " + actions.deploy(Integer.parseInt(args[5]), file, xml, mac -> Optional.empty()));
    }
  }
}
