package org.kvmsriov.cli;

import java.io.InputStream;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.Map;
import java.util.function.BiFunction;
import org.kvmsriov.actions.Caller;
import org.kvmsriov.actions.DriverCall;
import org.kvmsriov.actions.DriverService;
import org.kvmsriov.actions.Frame;
import org.kvmsriov.app.HypervisorConnector;
import org.kvmsriov.app.Wiring;
import org.kvmsriov.config.InvalidInputException;
import picocli.CommandLine.Model.CommandSpec;

/** How the driver and vnm commands hand a call to the driver service, and report what it refuses before. */
final class ErrorFrame {

  private ErrorFrame() {}

  /**
   * Serves one OpenNebula call of {@code spec}'s command through the driver service: refused
   * under sudo when it carries options (exit 2, framed); otherwise the service's exit code, its
   * output on the command's streams.
   *
   * @param env this process's environment (the one place the CLI reads it for a call)
   */
  static int serve(CommandSpec spec, Map<String, String> env, BiFunction<Wiring, Map<String, String>, DriverService> service,
      DriverCall call, InputStream stdin, HypervisorConnector connector, Clock clock, GlobalOptions global) {
    PrintWriter err = spec.commandLine().getErr();
    try {
      SudoGuard.refuseOptionsUnderSudo(spec, env);
    } catch (InvalidInputException e) {
      print(err, e.getMessage());
      return 2;
    }
    Wiring wiring = new Wiring(global.host(), connector, clock);
    PrintWriter out = spec.commandLine().getOut();
    StreamWriterBridge stdout = new StreamWriterBridge(out);
    StreamWriterBridge stderr = new StreamWriterBridge(err);
    int code = service.apply(wiring, env).handle(call, stdin, stdout, stderr, new Caller(env));
    stdout.flush();
    stderr.flush();
    return code;
  }

  static void print(PrintWriter err, String message) {
    Frame.print(err, message);
  }
}
