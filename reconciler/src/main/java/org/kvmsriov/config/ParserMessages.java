package org.kvmsriov.config;

import java.util.regex.Pattern;

/**
 * A parser's message made fit for an operator: Jackson names the Java setting behind a limit
 * ({@code (500, from `StreamReadConstraints.getMaxNestingDepth()`)}) or a Java type in
 * backquotes, which says nothing to someone fixing a file.
 */
public final class ParserMessages {

  private static final Pattern JAVA_REFERENCE = Pattern.compile("(?:,? from )?`[^`]*[.(][^`]*`");

  private ParserMessages() {}

  public static String plain(String message) {
    return message == null ? "" : JAVA_REFERENCE.matcher(message).replaceAll("").strip();
  }
}
