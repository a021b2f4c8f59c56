package org.kvmsriov.adapters.netlink;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Arrays;

/**
 * A {@code NETLINK_ROUTE} socket opened through libc with JNA ({@code socket}, {@code sendto},
 * {@code recv}). Replies are awaited at most {@link #REPLY_DEADLINE} ({@code SO_RCVTIMEO}), so a
 * lost answer is an error rather than a hang.
 */
public final class JnaNetlinkSocket implements NetlinkSocket {

  /** How long a reply may take. */
  public static final Duration REPLY_DEADLINE = Duration.ofSeconds(5);

  private static final int AF_NETLINK = 16;
  private static final int SOCK_RAW = 3;
  private static final int SOCK_CLOEXEC = 0x80000;
  private static final int NETLINK_ROUTE = 0;
  private static final int SOL_SOCKET = 1;
  private static final int SO_RCVTIMEO = 20;
  private static final int REPLY_BUFFER = 8192;

  /** The few libc calls a netlink exchange needs. */
  interface LibC extends Library {
    int socket(int domain, int type, int protocol) throws LastErrorException;

    int setsockopt(int fd, int level, int name, byte[] value, int length) throws LastErrorException;

    NativeLong sendto(int fd, byte[] buf, NativeLong length, int flags, byte[] addr, int addrLength)
        throws LastErrorException;

    NativeLong recv(int fd, byte[] buf, NativeLong length, int flags) throws LastErrorException;

    int close(int fd) throws LastErrorException;
  }

  private static final class Holder {
    static final LibC C = Native.load("c", LibC.class);
  }

  private final int fd;

  private JnaNetlinkSocket(int fd) {
    this.fd = fd;
  }

  /** Opens a route socket with the reply deadline set. */
  public static JnaNetlinkSocket open() {
    int fd;
    try {
      fd = Holder.C.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    } catch (LastErrorException e) {
      throw new NetlinkException("cannot open a netlink socket: " + Errno.describe(e.getErrorCode()),
          e.getErrorCode());
    }
    JnaNetlinkSocket s = new JnaNetlinkSocket(fd);
    try {
      long secs = REPLY_DEADLINE.getSeconds();
      // struct timeval { long tv_sec; long tv_usec; } with the platform's long.
      ByteBuffer tv = ByteBuffer.allocate(2 * Native.LONG_SIZE).order(ByteOrder.nativeOrder());
      if (Native.LONG_SIZE == 8) {
        tv.putLong(secs).putLong(0);
      } else {
        tv.putInt((int) secs).putInt(0);
      }
      Holder.C.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, tv.array(), tv.capacity());
    } catch (LastErrorException e) {
      s.close();
      throw new NetlinkException("cannot set the netlink reply deadline: " + Errno.describe(e.getErrorCode()),
          e.getErrorCode());
    }
    return s;
  }

  @Override
  public byte[] exchange(byte[] request) {
    // struct sockaddr_nl { u16 family; u16 pad; u32 pid = 0 (the kernel); u32 groups = 0 }
    byte[] kernel = ByteBuffer.allocate(12).order(ByteOrder.nativeOrder())
        .putShort((short) AF_NETLINK).putShort((short) 0).putInt(0).putInt(0).array();
    try {
      Holder.C.sendto(fd, request, new NativeLong(request.length), 0, kernel, kernel.length);
      byte[] reply = new byte[REPLY_BUFFER];
      long n = Holder.C.recv(fd, reply, new NativeLong(reply.length), 0).longValue();
      return Arrays.copyOf(reply, (int) n);
    } catch (LastErrorException e) {
      throw new NetlinkException("netlink exchange failed: " + Errno.describe(e.getErrorCode()), e.getErrorCode());
    }
  }

  @Override
  public void close() {
    try {
      Holder.C.close(fd);
    } catch (LastErrorException e) {
      // Nothing to recover: the descriptor is gone either way.
    }
  }
}
