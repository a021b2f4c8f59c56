package org.kvmsriov.adapters.opensm;

/** partitions.conf holds something OpenSM would refuse (and fall back to ALL=full for). */
public class PartitionsConfException extends RuntimeException {
  private final int line;

  public PartitionsConfException(int line, String message) {
    super("line " + line + ": " + message);
    this.line = line;
  }

  public int line() {
    return line;
  }
}
