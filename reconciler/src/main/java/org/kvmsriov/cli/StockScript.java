package org.kvmsriov.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One of OpenNebula's stock kvm scripts, run for an action where SR-IOV plays no part exactly as
 * OpenNebula would have run it: the same argv and stdin, its stdout passed on, its stderr
 * inherited, its exit code the action's.
 *
 * <p>Stdin is fed from a thread of its own, and a script that does not read it all is no error:
 * reboot, reset and poll never read it, and in OpenNebula's {@code cat << EOT | script} the
 * {@code cat} simply dies of SIGPIPE. Written up front on the caller's thread, a VM XML larger
 * than a pipe holds (64 KiB) blocked until such a script exited and then failed the action.
 */
final class StockScript {

  private StockScript() {}

  /**
   * @param script the stock script (checked to be executable)
   * @param argv its arguments
   * @param stdin what it is given on stdin
   * @param out where its stdout goes
   * @return its exit code
   */
  static int run(Path script, List<String> argv, byte[] stdin, PrintWriter out) {
    if (!Files.isExecutable(script)) {
      throw new IllegalStateException("stock kvm script " + script + " is missing; is OpenNebula's kvm driver"
          + " synced to this host (onehost sync)?");
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(script.toString());
    cmd.addAll(argv);
    try {
      Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      Thread feeder = new Thread(() -> feed(p.getOutputStream(), stdin), "stdin of " + script.getFileName());
      feeder.setDaemon(true);
      feeder.start();
      String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int code = p.waitFor();
      feeder.join();
      out.print(stdout);
      out.flush();
      return code;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + script + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while " + script + " ran", e);
    }
  }

  private static void feed(OutputStream in, byte[] data) {
    try (in) {
      in.write(data);
    } catch (IOException e) {
      // the script exited or closed stdin without reading it all: its exit code tells how it went
    }
  }
}
