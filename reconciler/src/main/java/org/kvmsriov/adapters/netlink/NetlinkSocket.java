package org.kvmsriov.adapters.netlink;

/** A {@code NETLINK_ROUTE} socket: one request datagram out, the kernel's reply datagram back. */
public interface NetlinkSocket extends AutoCloseable {

  /**
   * Sends {@code request} to the kernel and returns the next datagram it answers with.
   *
   * @throws NetlinkException when sending or receiving fails or no answer comes in time
   */
  byte[] exchange(byte[] request);

  @Override
  void close();

  /** Opens sockets; a seam so tests and the demo need no kernel. */
  @FunctionalInterface
  interface Factory {
    NetlinkSocket open();
  }
}
