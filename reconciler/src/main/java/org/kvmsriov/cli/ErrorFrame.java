package org.kvmsriov.cli;

import java.io.PrintWriter;
import java.util.function.IntSupplier;
import org.kvmsriov.config.InvalidInputException;
import picocli.CommandLine.Model.CommandSpec;

/** How a driver or network-driver step reports a failure to OpenNebula on stderr. */
final class ErrorFrame {

  private ErrorFrame() {}

  /**
   * Runs one OpenNebula step of {@code spec}'s command: refused under sudo or bad input exits 2,
   * any other failure 1, each reported framed (driver and vnm share this contract).
   */
  static int run(CommandSpec spec, IntSupplier step) {
    PrintWriter err = spec.commandLine().getErr();
    try {
      SudoGuard.refuseOptionsUnderSudo(spec, System.getenv());
      return step.getAsInt();
    } catch (InvalidInputException e) {
      print(err, e.getMessage());
      return 2;
    } catch (RuntimeException | Error e) {
      // an Error too: OpenNebula shows the framed text, so a stack overflow must be framed as well
      print(err, Failure.message(e));
      Failure.traceIfAsked(e, err);
      return 1;
    }
  }

  /** OpenNebula ≤ 6.0.2 shows only the framed text; later versions show all of stderr. */
  static void print(PrintWriter err, String message) {
    err.println("ERROR MESSAGE --8<------");
    err.println(message);
    err.println("ERROR MESSAGE ------>8--");
    err.flush();
  }
}
