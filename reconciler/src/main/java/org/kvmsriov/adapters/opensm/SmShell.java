package org.kvmsriov.adapters.opensm;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.kvmsriov.port.SubnetManagerException;

/**
 * Runs a POSIX sh script on the subnet manager's host: this one, or another through ssh (as ssh
 * is configured for the user kvm-sriov runs as). Every edit of partitions.conf is one script
 * run, so the lock, the read, the rename and the signal all happen on the SM's host, where the
 * kvm-sriov of every other host takes the same lock, and the lock is held from read to write.
 *
 * @param sshHost empty for this host
 * @param timeout how long one script may take, ssh included
 * @param ssh the ssh program
 */
record SmShell(Optional<String> sshHost, Duration timeout, String ssh) {

  SmShell(Optional<String> sshHost, Duration timeout) {
    this(sshHost, timeout, "ssh");
  }

  /** What a script printed and how it ended. */
  record Result(int exit, byte[] out, String err) {}

  /** Where the SM runs, for messages. */
  String where() {
    return sshHost.orElse("this host");
  }

  /**
   * Runs a script that prints a snapshot first (its size in decimal on one line, then its bytes),
   * feeds it to {@code editor}, and writes what the editor returns to the script's input. When
   * the script prints nothing (it failed early), the editor is not called. An editor that throws
   * closes the script's input, which ends the script without a write.
   */
  Result edit(String script, List<String> args, java.util.function.UnaryOperator<byte[]> editor) {
    Process p = start(script, args);
    CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      CompletableFuture<byte[]> snapshot = CompletableFuture.supplyAsync(() -> readSnapshot(p.getInputStream()));
      byte[] current = snapshot.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      try (OutputStream in = p.getOutputStream()) {
        if (current != null) {
          in.write(editor.apply(current));
        }
      } catch (IOException e) {
        // the script ended without reading its input; its exit status says why
      }
      CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
      if (!p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        throw new java.util.concurrent.TimeoutException();
      }
      return new Result(p.exitValue(), current == null ? out.join() : current,
          new String(err.join(), StandardCharsets.UTF_8).strip());
    } catch (java.util.concurrent.TimeoutException e) {
      p.destroyForcibly();
      throw new SubnetManagerException("the subnet manager's host " + where() + " did not answer within "
          + timeout.toSeconds() + " s");
    } catch (java.util.concurrent.ExecutionException e) {
      p.destroyForcibly();
      throw new SubnetManagerException("cannot read from the subnet manager's host " + where() + ": "
          + e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new SubnetManagerException("interrupted while talking to the subnet manager on " + where(), e);
    }
  }

  private Process start(String script, List<String> args) {
    List<String> cmd = new ArrayList<>();
    if (sshHost.isPresent()) {
      // ssh hands one string to the remote login shell: quote every word for it
      StringBuilder remote = new StringBuilder("sh -c ").append(quote(script)).append(" sh");
      args.forEach(a -> remote.append(' ').append(quote(a)));
      cmd.addAll(List.of(ssh, "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "--", sshHost.get(),
          remote.toString()));
    } else {
      cmd.addAll(List.of("sh", "-c", script, "sh"));
      cmd.addAll(args);
    }
    try {
      return new ProcessBuilder(cmd).start();
    } catch (IOException e) {
      throw new SubnetManagerException("cannot run " + cmd.get(0) + " for the subnet manager on " + where()
          + ": " + e.getMessage(), e);
    }
  }

  /** The framed snapshot, or null when the script printed nothing (it failed, or prints no snapshot). */
  private static byte[] readSnapshot(InputStream in) {
    try {
      StringBuilder size = new StringBuilder();
      for (int c = in.read(); c != '\n'; c = in.read()) {
        if (c < 0) {
          if (size.length() == 0) {
            return null;
          }
          throw new IOException("the snapshot ended in its size line");
        }
        if (c < '0' || c > '9' || size.length() > 9) {
          throw new IOException("the snapshot's size line is not a number");
        }
        size.append((char) c);
      }
      int n = Integer.parseInt(size.toString());
      byte[] data = in.readNBytes(n);
      if (data.length != n) {
        throw new IOException("the snapshot ended after " + data.length + " of " + n + " bytes");
      }
      return data;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] readAll(InputStream in) {
    try (in) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String quote(String word) {
    return "'" + word.replace("'", "'\\''") + "'";
  }
}
