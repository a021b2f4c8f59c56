package org.kvmsriov.port;

/** A driver action failed; what was done has been undone. Exit code 1, framed for OpenNebula. */
public class DriverException extends RuntimeException {
  public DriverException(String message) {
    super(message);
  }

  public DriverException(String message, Throwable cause) {
    super(message, cause);
  }
}
