package org.kvmsriov.port;

/**
 * The host's SR-IOV fabric (sysfs, netlink) is missing something, shows a value the kernel would
 * not write, or refused a change. Retryable from the reconciler's point of view: the next pass
 * reads the host afresh.
 */
public class FabricException extends RuntimeException {
  public FabricException(String message) {
    super(message);
  }

  public FabricException(String message, Throwable cause) {
    super(message, cause);
  }
}
