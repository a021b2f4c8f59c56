package org.kvmsriov.port;

/**
 * The subnet manager could not be reached, refused a change, or holds a configuration kvm-sriov
 * will not edit. Nothing was changed; the next pass may retry.
 */
public class SubnetManagerException extends RuntimeException {
  public SubnetManagerException(String message) {
    super(message);
  }

  public SubnetManagerException(String message, Throwable cause) {
    super(message, cause);
  }
}
