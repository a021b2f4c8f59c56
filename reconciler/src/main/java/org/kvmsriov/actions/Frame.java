package org.kvmsriov.actions;

import java.io.PrintWriter;

/** How a driver or network-driver step reports a failure to OpenNebula on stderr. */
public final class Frame {

  private Frame() {}

  /** OpenNebula ≤ 6.0.2 shows only the framed text; later versions show all of stderr. */
  public static void print(PrintWriter err, String message) {
    err.println("ERROR MESSAGE --8<------");
    err.println(message);
    err.println("ERROR MESSAGE ------>8--");
    err.flush();
  }
}
