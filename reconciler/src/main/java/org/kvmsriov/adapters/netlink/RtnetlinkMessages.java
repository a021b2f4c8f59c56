package org.kvmsriov.adapters.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;
import org.kvmsriov.model.Guid;
import org.kvmsriov.port.VfLinkPolicy;

/**
 * Builds the {@code RTM_SETLINK} request that sets an InfiniBand VF's GUIDs and parses the
 * kernel's ack. Layouts from {@code include/uapi/linux/netlink.h}, {@code rtnetlink.h} and
 * {@code if_link.h}; all fields in host byte order, attributes 4-byte aligned:
 *
 * <pre>
 * nlmsghdr   { u32 len; u16 type = RTM_SETLINK; u16 flags = REQUEST|ACK; u32 seq; u32 pid = 0 }
 * ifinfomsg  { u8 family = AF_UNSPEC; u8 pad; u16 type; s32 index; u32 flags; u32 change }
 * IFLA_VFINFO_LIST {
 *   IFLA_VF_INFO {
 *     IFLA_VF_LINK_STATE   ifla_vf_link_state { u32 vf; u32 link_state }      (optional)
 *     IFLA_VF_IB_NODE_GUID ifla_vf_guid { u32 vf; (4 bytes padding) u64 guid }
 *     IFLA_VF_IB_PORT_GUID ifla_vf_guid { … }
 * } }
 * </pre>
 *
 * The padding in {@code ifla_vf_guid} is the 64-bit ABI's (amd64, arm64, ppc64le, s390x), where a
 * u64 is 8-byte aligned. The GUID is a host-order u64 whose most significant byte is the first
 * octet of {@code 02:…}, as iproute2's {@code get_guid} makes it.
 */
public final class RtnetlinkMessages {

  static final short RTM_SETLINK = 19;
  static final short NLMSG_ERROR = 2;
  static final short NLM_F_REQUEST = 0x1;
  static final short NLM_F_ACK = 0x4;
  static final short IFLA_VFINFO_LIST = 22;
  static final short IFLA_VF_INFO = 1;
  static final short IFLA_VF_LINK_STATE = 5;
  static final short IFLA_VF_IB_NODE_GUID = 10;
  static final short IFLA_VF_IB_PORT_GUID = 11;
  private static final int NLMSGHDR = 16;
  private static final int IFINFOMSG = 16;
  private static final int RTA_HDR = 4;
  private static final int VF_GUID = 16;
  private static final int VF_LINK_STATE = 8;

  private RtnetlinkMessages() {}

  /**
   * The request {@code ip link set <ifindex> vf <vf> node_guid <node> port_guid <port> [state …]}
   * sends.
   */
  public static byte[] setVfGuids(ByteOrder order, int seq, int ifindex, int vf, Guid node, Guid port,
      Optional<VfLinkPolicy> state) {
    if (ifindex <= 0 || vf < 0) {
      throw new IllegalArgumentException("ifindex " + ifindex + " / VF " + vf + " out of range");
    }
    int guidAttr = RTA_HDR + VF_GUID;
    int stateAttr = state.isPresent() ? RTA_HDR + VF_LINK_STATE : 0;
    int vfInfo = RTA_HDR + stateAttr + 2 * guidAttr;
    int vfList = RTA_HDR + vfInfo;
    int total = NLMSGHDR + IFINFOMSG + vfList;
    ByteBuffer b = ByteBuffer.allocate(total).order(order);
    b.putInt(total).putShort(RTM_SETLINK).putShort((short) (NLM_F_REQUEST | NLM_F_ACK)).putInt(seq).putInt(0);
    b.put((byte) 0).put((byte) 0).putShort((short) 0).putInt(ifindex).putInt(0).putInt(0);
    b.putShort((short) vfList).putShort(IFLA_VFINFO_LIST);
    b.putShort((short) vfInfo).putShort(IFLA_VF_INFO);
    if (state.isPresent()) {
      b.putShort((short) stateAttr).putShort(IFLA_VF_LINK_STATE).putInt(vf).putInt(linkState(state.get()));
    }
    putGuid(b, IFLA_VF_IB_NODE_GUID, vf, node);
    putGuid(b, IFLA_VF_IB_PORT_GUID, vf, port);
    return b.array();
  }

  /**
   * Checks the kernel's answer to request {@code seq}: an {@code NLMSG_ERROR} whose error is 0 is
   * the ack.
   *
   * @throws NetlinkException with the errno when the kernel refused, or when the reply is not an
   *     ack for {@code seq}
   */
  public static void checkAck(ByteOrder order, byte[] reply, int seq, String what) {
    ByteBuffer b = ByteBuffer.wrap(reply).order(order);
    if (reply.length < NLMSGHDR + 4) {
      throw new NetlinkException(what + ": reply of " + reply.length + " bytes is too short for an ack", 0);
    }
    int len = b.getInt(0);
    short type = b.getShort(4);
    int replySeq = b.getInt(8);
    if (len < NLMSGHDR + 4 || len > reply.length || type != NLMSG_ERROR || replySeq != seq) {
      throw new NetlinkException(what + ": reply (type " + type + ", seq " + replySeq
          + ") is not the ack for request " + seq, 0);
    }
    int error = b.getInt(NLMSGHDR);
    if (error != 0) {
      int errno = -error;
      throw new NetlinkException(what + ": the kernel answered " + Errno.describe(errno), errno);
    }
  }

  private static void putGuid(ByteBuffer b, short type, int vf, Guid guid) {
    b.putShort((short) (RTA_HDR + VF_GUID)).putShort(type).putInt(vf).putInt(0).putLong(guid.value());
  }

  private static int linkState(VfLinkPolicy p) {
    return switch (p) {
      case FOLLOW -> 0; // IFLA_VF_LINK_STATE_AUTO
      case UP -> 1; // IFLA_VF_LINK_STATE_ENABLE
      case DOWN -> 2; // IFLA_VF_LINK_STATE_DISABLE
    };
  }
}
