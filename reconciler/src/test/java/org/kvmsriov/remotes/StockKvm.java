package org.kvmsriov.remotes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Stand-ins for OpenNebula's stock kvm remotes ({@code /var/tmp/one/vmm/kvm/<action>}; OpenNebula
 * is not installed here), and for {@code ssh}: each records its argv and stdin byte for byte,
 * prints a canned answer and exits with a chosen code, so a test can tell exactly what kvm-sriov
 * passed through.
 */
final class StockKvm {

  /**
   * One recorded run.
   *
   * @param argv {@code $0} and the arguments
   * @param stdin everything it read on stdin (empty when it does not read)
   */
  record Call(List<String> argv, byte[] stdin) {
    List<String> args() {
      return argv.subList(1, argv.size());
    }

    String stdinText() {
      return new String(stdin, StandardCharsets.UTF_8);
    }
  }

  private final Path dir;
  private final Path calls;

  StockKvm(Path dir) {
    this.dir = dir;
    this.calls = dir.resolve("calls");
    try {
      Files.createDirectories(calls);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Path dir() {
    return dir;
  }

  /**
   * Writes {@code <dir>/<name>}: records argv and (when {@code readsStdin}) stdin, prints {@code
   * stdout}, exits {@code exit}. OpenNebula's reboot, reset, poll and others never read stdin.
   */
  StockKvm script(String name, String stdout, int exit, boolean readsStdin) {
    return write(name, readsStdin, "printf '%s' " + RemotesHarnessTest.shQuote(stdout) + "\nexit " + exit + "\n");
  }

  /** Writes {@code <dir>/<name>}: records argv and stdin, then runs the shell code {@code then}. */
  StockKvm forwarder(String name, String then) {
    return write(name, true, then);
  }

  private StockKvm write(String name, boolean readsStdin, String tail) {
    String rec = RemotesHarnessTest.shQuote(calls.resolve(name).toString());
    String body = "#!/bin/sh\n"
        + "# stands in for " + name + ": records each run's argv and stdin\n"
        + "n=$(($(cat " + rec + ".count 2>/dev/null || echo 0) + 1)); echo $n > " + rec + ".count\n"
        + "printf '%s\\0' \"$0\" \"$@\" > " + rec + ".$n.argv\n"
        + (readsStdin ? "cat > " + rec + ".$n.stdin\n" : ": > " + rec + ".$n.stdin\n")
        + tail;
    Path p = dir.resolve(name);
    try {
      Files.writeString(p, body, StandardCharsets.UTF_8);
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  /** Every run of {@code name}, in order. */
  List<Call> calls(String name) {
    List<Call> out = new ArrayList<>();
    for (int n = 1; Files.exists(calls.resolve(name + "." + n + ".argv")); n++) {
      try {
        String raw = Files.readString(calls.resolve(name + "." + n + ".argv"), StandardCharsets.UTF_8);
        List<String> words = Arrays.asList(raw.substring(0, raw.length() - 1).split("\0", -1));
        out.add(new Call(words, Files.readAllBytes(calls.resolve(name + "." + n + ".stdin"))));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return out;
  }

  /** The last run of {@code name}, if it ran. */
  Optional<Call> call(String name) {
    List<Call> all = calls(name);
    return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
  }
}
