package org.kvmsriov.cli;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.kvmsriov.actions.Caller;
import org.kvmsriov.actions.DriverCall;
import org.kvmsriov.actions.Frame;
import org.kvmsriov.adapters.ssh.SshRemoteDriver;
import org.kvmsriov.app.HypervisorConnector;
import org.kvmsriov.app.Wiring;
import org.kvmsriov.client.Wire;
import org.kvmsriov.daemon.DriverSocket;
import org.kvmsriov.opennebula.DriverRequest;

/**
 * The daemon's socket requests served as the CLI's {@code driver}, {@code vnm} and {@code probe}
 * commands serve them, on the daemon's host (its --state, --ledger-dir, --sysfs-root,
 * --libvirt-uri); the request's environment is the caller's, for the stock scripts and ssh. Options
 * in a request's argv are refused: the shims pass none, and the daemon's own apply.
 */
final class DaemonRequests implements DriverSocket.Handler {

  private final GlobalOptions global;
  private final HypervisorConnector connector;
  private final Clock clock;
  private final Path stockDir;
  private final Duration shutdownTimeout;

  DaemonRequests(GlobalOptions global, HypervisorConnector connector, Clock clock, Path stockDir,
      Duration shutdownTimeout) {
    this.global = global;
    this.connector = connector;
    this.clock = clock;
    this.stockDir = stockDir;
    this.shutdownTimeout = shutdownTimeout;
  }

  @Override
  public Optional<String> key(Wire.Request r) {
    if (r.kind().equals("driver") && !r.argv().isEmpty()) {
      try {
        return Optional.of("vm " + DriverRequest.parse(r.argv().get(0), r.argv().subList(1, r.argv().size())).vmId());
      } catch (RuntimeException e) {
        return Optional.empty(); // refused by the service as it parses it again
      }
    }
    // a vnm step names its VM only inside the template: the steps run one at a time
    return r.kind().equals("vnm") ? Optional.of("vnm") : Optional.empty();
  }

  @Override
  public int handle(Wire.Request r, InputStream stdin, OutputStream stdout, OutputStream stderr) {
    List<String> argv = r.argv();
    if (argv.isEmpty() || argv.get(0).startsWith("-")) {
      return refuse(stderr, r.kind() + ": the daemon takes the action or step first and no options;"
          + " run kvm-sriov " + r.kind() + " directly for options");
    }
    Wiring wiring = new Wiring(global.host(), connector, clock);
    List<String> args = argv.subList(1, argv.size());
    Caller caller = new Caller(r.env());
    return switch (r.kind()) {
      case "driver" -> wiring.driverService(wiring.perRequest(), stockDir, shutdownTimeout,
          new SshRemoteDriver(300, r.env()), step -> { })
          .handle(new DriverCall.Vmm(argv.get(0), args), stdin, stdout, stderr, caller);
      case "vnm" -> wiring.driverService(wiring.perRequest(), Path.of("/nonexistent"), Duration.ZERO, (host, a) -> {
        throw new IllegalStateException("a network driver step does not reach other hosts");
      }, step -> { }).handle(new DriverCall.Vnm(argv.get(0), args), stdin, stdout, stderr, caller);
      default -> refuse(stderr, "unknown request kind '" + r.kind() + "' (driver, vnm)");
    };
  }

  private static int refuse(OutputStream stderr, String message) {
    PrintWriter err = new PrintWriter(new OutputStreamWriter(stderr, StandardCharsets.UTF_8));
    Frame.print(err, message);
    err.flush();
    return DriverSocket.REFUSED;
  }
}
