package org.kvmsriov.port;

/** The ledger could not be locked, read or written. Nothing was changed. Exit code 1. */
public class LedgerException extends RuntimeException {
  public LedgerException(String message) {
    super(message);
  }

  public LedgerException(String message, Throwable cause) {
    super(message, cause);
  }
}
