package org.kvmsriov.config;

/**
 * One thing wrong with an input file, where it is and what to do about it.
 *
 * @param file the file as the user named it
 * @param line 1-based line, 0 when unknown
 * @param column 1-based column, 0 when unknown
 * @param message a sentence a user understands
 */
public record Problem(String file, int line, int column, String message) implements Comparable<Problem> {

  /** {@code FILE:LINE:COL: message}, the form compilers use and editors jump to ({@code FILE: message} when no position applies). */
  public String format() {
    return line == 0 ? file + ": " + message : file + ":" + line + ":" + column + ": " + message;
  }

  @Override
  public int compareTo(Problem o) {
    int c = Integer.compare(line, o.line);
    return c != 0 ? c : Integer.compare(column, o.column);
  }

  @Override
  public String toString() {
    return format();
  }
}
