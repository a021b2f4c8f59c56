package org.kvmsriov.adapters.opennebula;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.kvmsriov.port.StockDriver;

/**
 * OpenNebula's stock kvm scripts, run for an action where SR-IOV plays no part exactly as
 * OpenNebula would have run it: the same argv, stdin and environment, its stdout and stderr
 * copied to the caller's streams (a daemon serving the request has other streams than its
 * own), its exit code the action's.
 *
 * <p>Stdin is fed from a thread of its own, and a script that does not read it all is no error:
 * reboot, reset and poll never read it, and in OpenNebula's {@code cat << EOT | script} the
 * {@code cat} simply dies of SIGPIPE. Written up front on the caller's thread, a VM XML larger
 * than a pipe holds (64 KiB) blocked until such a script exited and then failed the action.
 */
public final class StockScripts implements StockDriver {

  private final Path dir;

  /** @param dir OpenNebula's stock kvm remotes ({@code /var/tmp/one/vmm/kvm}) */
  public StockScripts(Path dir) {
    this.dir = dir;
  }

  @Override
  public boolean has(String script) {
    return Files.isExecutable(dir.resolve(script));
  }

  @Override
  public int run(String script, List<String> argv, byte[] stdin, OutputStream out, OutputStream err,
      Map<String, String> env) {
    return run(dir.resolve(script), argv, stdin, out, err, env);
  }

  /**
   * @param script the stock script (checked to be executable)
   * @param argv its arguments
   * @param stdin what it is given on stdin
   * @param out where its stdout goes
   * @return its exit code
   */
  private static int run(Path script, List<String> argv, byte[] stdin, OutputStream out, OutputStream err,
      Map<String, String> env) {
    if (!Files.isExecutable(script)) {
      throw new IllegalStateException("stock kvm script " + script + " is missing; is OpenNebula's kvm driver"
          + " synced to this host (onehost sync)?");
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(script.toString());
    cmd.addAll(argv);
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd);
      pb.environment().clear();
      pb.environment().putAll(env);
      Process p = pb.start();
      Thread feeder = new Thread(() -> feed(p.getOutputStream(), stdin), "stdin of " + script.getFileName());
      feeder.setDaemon(true);
      feeder.start();
      Thread errors = new Thread(() -> copy(p.getErrorStream(), err), "stderr of " + script.getFileName());
      errors.setDaemon(true);
      errors.start();
      p.getInputStream().transferTo(out);
      int code = p.waitFor();
      feeder.join();
      errors.join();
      out.flush();
      err.flush();
      return code;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + script + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while " + script + " ran", e);
    }
  }

  private static void copy(java.io.InputStream from, OutputStream to) {
    try {
      from.transferTo(to);
    } catch (IOException e) {
      // the caller's stream is gone: nothing left to tell it
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
