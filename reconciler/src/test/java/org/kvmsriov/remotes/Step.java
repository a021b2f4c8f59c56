package org.kvmsriov.remotes;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one_vmm_exec learns from one step on the host: the exit code the stream reported, stdout
 * (deploy's is the deploy id) and stderr (the stream's own {@code ExitCode:} line removed).
 *
 * @param line the command line the stream ran (without the heredoc body)
 * @param exitCode the code from the stream's {@code ExitCode: N} line; -1 when the line is missing
 * @param out stdout
 * @param err stderr of the step
 * @param streamIntact false when the step read the stream's own input (the rest of the session):
 *     on a real persistent ssh stream oned would wait for an answer that never comes
 * @param seconds wall time of the step
 */
record Step(String line, int exitCode, String out, String err, boolean streamIntact, double seconds) {

  /** OpenNebula's {@code CommandManager#get_error_message}: the first framed block, stripped. */
  private static final Pattern FRAMED =
      Pattern.compile("^ERROR MESSAGE --8<------\n(.*?)ERROR MESSAGE ------>8--$", Pattern.MULTILINE | Pattern.DOTALL);

  /** The text oned ≤ 6.0.2 shows for a failed step; {@code -} when the stderr is not framed. */
  String oneMessage() {
    Matcher m = FRAMED.matcher(err);
    return m.find() ? m.group(1).strip() : "-";
  }

  /** Whether every line of stderr belongs to exactly one framed block (nothing else printed). */
  boolean onlyFramed() {
    return err.matches("(?s)ERROR MESSAGE --8<------\n[^\n].*?\nERROR MESSAGE ------>8--\n");
  }

  /** A stderr line 7.0 sends to oned as a log message instead of keeping it in the error. */
  private static final Pattern LOG_LINE = Pattern.compile("^(ERROR|INFO|WARN|DEBUG):\\s+(\\d+)?\\s*(.*)$");

  /**
   * What oned of version {@code v} records as this failed step's message (the VM's error in
   * {@code onevm show}); see {@link OneVersion.ErrorInfo}. The stream's own {@code ExitCode: N}
   * line, which the harness keeps out of {@link #err()}, is part of the stderr oned reads.
   */
  String info(OneVersion v) {
    String stderr = err + "ExitCode: " + exitCode;
    String info = switch (v.errorInfo) {
      case FRAMED -> oneMessage();
      case WHOLE_STDERR -> stderr.replace('\n', ' ').strip();
      case NON_LOG_LINES -> stderr.lines().map(String::strip).filter(l -> !LOG_LINE.matcher(l).matches())
          .collect(java.util.stream.Collectors.joining());
    };
    return info.isEmpty() ? "-" : info;
  }

  /** 7.0: the lines of stderr that oned turns into log messages and leaves out of the error. */
  java.util.List<String> loggedBy7() {
    return err.lines().map(String::strip).filter(l -> LOG_LINE.matcher(l).matches()).toList();
  }

  Optional<String> framed() {
    String m = oneMessage();
    return m.equals("-") ? Optional.empty() : Optional.of(m);
  }

  /** For assertion messages: everything a reader needs to see why a step did what it did. */
  String describe() {
    return line + "\n  exit " + exitCode + (streamIntact ? "" : " (STREAM CONSUMED)") + String.format(" in %.2f s", seconds)
        + "\n  stdout: " + out.replace("\n", "\n          ") + "\n  stderr: " + err.replace("\n", "\n          ");
  }
}
