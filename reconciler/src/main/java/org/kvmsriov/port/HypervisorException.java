package org.kvmsriov.port;

/** libvirt refused or failed an operation. Retryable from the reconciler's point of view. */
public class HypervisorException extends RuntimeException {
  public HypervisorException(String message, Throwable cause) {
    super(message, cause);
  }

  public HypervisorException(String message) {
    super(message);
  }
}
