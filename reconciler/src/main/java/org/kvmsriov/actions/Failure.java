package org.kvmsriov.actions;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.util.regex.Pattern;
import org.kvmsriov.io.IoErrors;

/**
 * How a failure reads: our own exceptions' messages as written; anything else — a JDK or library
 * exception, an {@link Error} such as a stack overflow — as one line without Java's names. Stack
 * traces only with {@code KVM_SRIOV_DEBUG=1}: OpenNebula shows stderr to users, and a trace tells
 * them nothing they can act on.
 */
public final class Failure {

  /** A fully qualified class name ({@code java.nio.file.AccessDeniedException}, {@code tools.jackson.x.Y}). */
  private static final Pattern QUALIFIED = Pattern.compile("\\b(?:[a-z][a-z0-9_]*\\.){2,}[A-Z][A-Za-z0-9_$]*");
  /** A simple class name with its telltale suffix, or a Java method reference in backquotes. */
  private static final Pattern SIMPLE = Pattern.compile("`[^`]*`|\\b[A-Z][A-Za-z0-9]*(?:Exception|Error)\\b");

  private Failure() {}

  /** The message to print for {@code t}. */
  public static String message(Throwable t) {
    if (t instanceof StackOverflowError) {
      return "input nested too deeply (stack overflow); nothing was changed";
    }
    if (t instanceof OutOfMemoryError) {
      return "out of memory; is an input far larger than it should be?";
    }
    if (t instanceof UncheckedIOException u && u.getCause() instanceof FileSystemException f
        && u.getMessage().equals(f.toString())) {
      return (f.getFile() == null ? "" : f.getFile() + ": ") + IoErrors.reason(f);
    }
    String m = t.getMessage();
    if (ours(t) && m != null && !m.isBlank()) {
      return m;
    }
    String line = m == null ? "" : m.strip().lines().findFirst().orElse("");
    line = SIMPLE.matcher(QUALIFIED.matcher(line).replaceAll("")).replaceAll("").replaceAll("\\s+", " ").strip();
    return "internal error" + (line.isEmpty() || line.matches("[\\W\\d]*") ? "" : ": " + line)
        + " (KVM_SRIOV_DEBUG=1 shows where)";
  }

  /** Whether {@code t} is one of kvm-sriov's own exceptions, whose messages are written for operators. */
  private static boolean ours(Throwable t) {
    return t.getClass().getName().startsWith("org.kvmsriov.") || t instanceof UncheckedIOException;
  }

  /** Prints the stack trace after a failure's message, when the operator asked for it. */
  public static void traceIfAsked(Throwable t, PrintWriter err, java.util.Map<String, String> env) {
    String debug = env.get("KVM_SRIOV_DEBUG");
    if (debug != null && !debug.isEmpty() && !debug.equals("0")) {
      t.printStackTrace(err);
    }
  }
}
