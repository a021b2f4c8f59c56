package org.kvmsriov.remotes;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the shipped remotes the way OpenNebula's {@code one_vmm_exec} does on a host (protocol
 * reference §0.1–0.3, §1, §2.2, §4.1): each step is a line fed to {@code bash -s} — what {@code ssh
 * <host> bash -s} runs — with parameters single-quoted without escaping, {@code <VMID> <HOST>}
 * appended unquoted to VMM scripts, stdin as a heredoc piped into the script ({@code cat << EOT}
 * up to 6.4.2, {@code cat << 'EOT'} after), and the stream's own {@code ExitCode: N} line after
 * it, from which the step's exit code is read as the driver reads it. A step that reads stdin it
 * was not given eats that line: {@link Step#streamIntact()} turns false.
 *
 * <p>The environment is exactly {@code env}: what sshd gives a session plus the harness's
 * {@code KVM_SRIOV_*} settings, nothing inherited from the test JVM.
 */
final class ExecDriver {

  static final String VMM_DIR = "vmm/kvm-sriov";
  static final String VNM_DIR = "vnm/sriov_partition";
  private static final Pattern EXIT = Pattern.compile("(?m)^ExitCode: (-?\\d+)\n\\z");
  private static final long TIMEOUT_SECONDS = 120;

  private final Path remotes;
  private final Map<String, String> env;
  private final OneVersion version;
  private final Path scratch;
  private int seq;

  /**
   * @param remotes the remotes tree ({@code …/files/remotes}, laid out as {@code /var/tmp/one})
   * @param env the whole environment of the session
   * @param scratch where step outputs are kept
   */
  ExecDriver(Path remotes, Map<String, String> env, OneVersion version, Path scratch) {
    this.remotes = remotes;
    this.env = Map.copyOf(env);
    this.version = version;
    this.scratch = scratch;
  }

  OneVersion version() {
    return version;
  }

  /** A VMM script step: {@code <action> '<p1>' '<p2>' … <vmid> <host>}, {@code stdin} as a heredoc. */
  Step vmm(String action, String stdin, int vmId, String... params) {
    return stream(quoted(remotes.resolve(VMM_DIR).resolve(action).toString(), params) + " " + vmId + " "
        + OneVm.HOST, stdin);
  }

  /**
   * A VMM script run without the stream, as {@code do_action} does through {@code RemotesCommand}
   * (5.4's poll, reboot, reset, snapshots; 6.x resize) or {@code LocalCommand} (local actions):
   * {@code ssh <host> 'if [ -x "<cmd>" ]; then <cmd> <params> <vmid> <host>; else exit 42; fi'},
   * parameters as one unquoted string ({@code quoted} false) or quoted ones, {@code stdin} written
   * to the channel and closed (none: /dev/null).
   */
  Step direct(String action, String stdin, boolean quoted, int vmId, String... params) {
    String cmd = remotes.resolve(VMM_DIR).resolve(action).toString();
    String args = quoted ? quotedTail(params) : params.length == 0 ? "" : " " + String.join(" ", params);
    String line = "if [ -x \"" + cmd + "\" ]; then " + cmd + args + " " + vmId + " " + OneVm.HOST
        + "; else exit 42; fi";
    return run(line, List.of("bash", "-c", line), stdin, false);
  }

  /**
   * A network driver step (§4.1): 5.4–5.8 pass the base64 template as {@code $1} and no stdin
   * (so the script's stdin is the stream itself); 5.10+ pipe it in. No VM id or host appended.
   */
  Step vnm(String step, String base64, String... params) {
    String script = remotes.resolve(VNM_DIR).resolve(step).toString();
    if (version.vnmTemplateOnArgv) {
      return stream(script + " " + base64 + quotedTail(params), null);
    }
    return stream(quoted(script, params), base64);
  }

  /** A plain command on the stream (6.x's {@code mkdir -p} and {@code cat - >} steps). */
  Step shell(String line, String stdin) {
    return stream(line, stdin);
  }

  /** Single quotes around each parameter, without escaping, as {@code get_parameters} does. */
  static String quoted(String script, String... params) {
    return script + quotedTail(params);
  }

  private static String quotedTail(String... params) {
    StringBuilder b = new StringBuilder();
    for (String p : params) {
      b.append(" '").append(p).append('\'');
    }
    return b.toString();
  }

  private Step stream(String line, String stdin) {
    StringBuilder session = new StringBuilder();
    if (stdin != null) {
      session.append(version.quotedHeredoc ? "cat << 'EOT' | " : "cat << EOT | ").append(line).append('\n')
          .append(stdin).append("\nEOT\n");
    } else {
      session.append(line).append('\n');
    }
    session.append("echo \"ExitCode: $?\" 1>&2\n");
    return run(line, List.of("bash", "-s"), session.toString(), true);
  }

  private Step run(String line, List<String> cmd, String session, boolean onStream) {
    int n = ++seq;
    Path out = scratch.resolve("step" + n + ".out");
    Path err = scratch.resolve("step" + n + ".err");
    long t0 = System.nanoTime();
    try {
      Files.createDirectories(scratch);
      ProcessBuilder pb = new ProcessBuilder(cmd).directory(scratch.toFile())
          .redirectOutput(out.toFile()).redirectError(err.toFile());
      pb.environment().clear();
      pb.environment().putAll(env);
      if (session == null) {
        pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
      }
      Process p = pb.start();
      Thread feeder = null;
      if (session != null) {
        // ssh feeds the stream from another process: never block the harness on a step that does not read
        feeder = new Thread(() -> feed(p.getOutputStream(), session), "stream-feeder-" + n);
        feeder.setDaemon(true);
        feeder.start();
      }
      if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        throw new AssertionError("step did not finish within " + TIMEOUT_SECONDS + " s: " + line);
      }
      if (feeder != null) {
        feeder.join(5000);
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      String stdout = Files.readString(out, StandardCharsets.UTF_8);
      String stderr = Files.readString(err, StandardCharsets.UTF_8);
      if (!onStream) {
        return new Step(line, p.exitValue(), stdout, stderr, true, seconds);
      }
      Matcher m = EXIT.matcher(stderr);
      if (!m.find()) {
        return new Step(line, -1, stdout, stderr, false, seconds);
      }
      return new Step(line, Integer.parseInt(m.group(1)), stdout, stderr.substring(0, m.start()), true, seconds);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  private static void feed(OutputStream in, String session) {
    try (in) {
      in.write(session.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      // bash exited before reading everything (exit 42): ssh would see the same
    }
  }

  /** The steps of one action, stopping at the first failure as {@code VmmAction#run} does. */
  static final class Action {
    final List<Step> steps = new ArrayList<>();

    /** Runs {@code step} unless an earlier one failed; returns whether all so far succeeded. */
    boolean then(java.util.function.Supplier<Step> step) {
      if (failed()) {
        return false;
      }
      steps.add(step.get());
      return !failed();
    }

    boolean failed() {
      return steps.stream().anyMatch(s -> s.exitCode() != 0 || !s.streamIntact());
    }

    Step last() {
      return steps.get(steps.size() - 1);
    }

    String describe() {
      StringBuilder b = new StringBuilder();
      steps.forEach(s -> b.append(s.describe()).append('\n'));
      return b.toString();
    }
  }
}
