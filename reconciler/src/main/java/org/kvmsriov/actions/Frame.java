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

  /** The one line a failure is reported with, whatever it is; never a stack trace. */
  public static String message(Throwable t) {
    if (t instanceof StackOverflowError) {
      return "the input is nested too deeply to be processed";
    }
    if (t instanceof OutOfMemoryError) {
      return "out of memory while processing the request";
    }
    String m = t.getMessage();
    return m == null || m.isBlank() ? "internal error (run with KVM_SRIOV_DEBUG=1 for details)" : m;
  }
}
