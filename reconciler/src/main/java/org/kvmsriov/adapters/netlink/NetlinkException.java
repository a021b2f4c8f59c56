package org.kvmsriov.adapters.netlink;

import org.kvmsriov.port.FabricException;

/** The netlink socket failed, or the kernel answered a request with an error. */
public class NetlinkException extends FabricException {
  private final int errno;

  public NetlinkException(String message, int errno) {
    super(message);
    this.errno = errno;
  }

  /** The kernel's errno (positive), or 0 when the failure was not an errno from the kernel. */
  public int errno() {
    return errno;
  }
}
