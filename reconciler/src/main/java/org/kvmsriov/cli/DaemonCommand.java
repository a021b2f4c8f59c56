package org.kvmsriov.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.kvmsriov.config.HostStateLoader;
import org.kvmsriov.daemon.Daemon;
import org.kvmsriov.daemon.DriverSocket;
import org.kvmsriov.engine.Outcome;
import org.kvmsriov.engine.PassResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import sun.misc.Signal;
import org.kvmsriov.app.HypervisorConnector;

@Command(name = "daemon", mixinStandardHelpOptions = true,
    header = "Run reconcile passes every reconcile.interval_seconds until SIGTERM or SIGINT.",
    description = {"Serves OpenNebula's driver and vnm calls on --socket (the protocol is in the README).",
        "Each pass re-reads host.yaml, takes the ledger lock (driver actions wait at most",
        "one pass), heals what it finds and logs one line. Exits 0 on SIGTERM after the pass in",
        "progress, if any, has finished."})
final class DaemonCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin GlobalOptions global;

  @Option(names = "--metrics-file", paramLabel = "FILE",
      description = "Write Prometheus node_exporter textfile metrics here after every pass (0644,"
          + " atomically). The daemon keeps the counters, starting from the values the file holds.")
  Path metricsFile;

  @Option(names = "--socket", paramLabel = "PATH", defaultValue = "${KVM_SRIOV_SOCKET:-/run/kvm-sriov/kvm-sriov.sock}",
      description = "Serve driver and vnm calls here (kvm-sriov's client protocol); 'none': do not"
          + " (env KVM_SRIOV_SOCKET; default: ${DEFAULT-VALUE}).")
  String socket;

  @Option(names = "--socket-user", paramLabel = "USER", defaultValue = "oneadmin",
      description = "The user besides root whose calls the socket serves (default: ${DEFAULT-VALUE}).")
  String socketUser;

  @Option(names = "--socket-group", paramLabel = "GROUP", defaultValue = "oneadmin",
      description = "The socket's group (mode 0660; default: ${DEFAULT-VALUE}).")
  String socketGroup;

  @Mixin DriverOptions options;

  private Optional<Metrics> metrics = Optional.empty();

  private final HypervisorConnector connector;
  private final Clock clock;

  DaemonCommand(HypervisorConnector connector, Clock clock) {
    this.connector = connector;
    this.clock = clock;
  }

  @Override
  public Integer call() throws Exception {
    Duration interval = HostStateLoader.load(global.state()).reconcile().interval();
    PrintWriter log = spec.commandLine().getErr();
    metrics = Optional.ofNullable(metricsFile).map(Metrics::at);
    Daemon daemon = new Daemon(this::pass, interval, log, clock);
    // A signal handler, not a shutdown hook: the JVM is not exiting yet, so the pass in progress
    // finishes and the command returns 0 through Main like any other.
    Signal.handle(new Signal("TERM"), s -> daemon.requestStop());
    Signal.handle(new Signal("INT"), s -> daemon.requestStop());
    try (DriverSocket served = socket.equals("none") ? null : new DriverSocket(Path.of(socket), socketUser,
        socketGroup, new DaemonRequests(global, connector, clock, options.stockDir, options.shutdownTimeout()), log)) {
      daemon.start();
      daemon.awaitStopAndShutdown();
    }
    return 0;
  }

  private Optional<Duration> pass() {
    try {
      return passCounted();
    } catch (RuntimeException e) {
      metrics.ifPresent(m -> m.failed(clock.instant()));
      throw e;
    }
  }

  private Optional<Duration> passCounted() {
    try (EngineSession s = EngineSession.open(global, connector, clock)) {
      PassResult r = s.engine().reconcile(Optional.empty(), false);
      PrintWriter log = spec.commandLine().getErr();
      log.println("kvm-sriov daemon: pass took " + r.took().toMillis() + " ms, " + r.plan().actions().size()
          + " actions (" + PlanRenderer.counts(r) + ")");
      r.outcomes().forEach(o -> log.println("  " + o.status().name().toLowerCase(java.util.Locale.ROOT) + ": "
              + o.action().describe() + (o.failed() ? ": " + o.detail() : "")));
      log.flush();
      metrics.ifPresent(m -> m.passed(s, r, clock.instant()));
      return r.next();
    }
  }
}
