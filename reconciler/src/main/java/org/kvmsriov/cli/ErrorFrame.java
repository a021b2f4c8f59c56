package org.kvmsriov.cli;

import java.io.PrintWriter;

/** How a driver or network-driver step reports a failure to OpenNebula on stderr. */
final class ErrorFrame {

  private ErrorFrame() {}

  /** OpenNebula ≤ 6.0.2 shows only the framed text; later versions show all of stderr. */
  static void print(PrintWriter err, String message) {
    err.println("ERROR MESSAGE --8<------");
    err.println(message);
    err.println("ERROR MESSAGE ------>8--");
    err.flush();
  }
}
