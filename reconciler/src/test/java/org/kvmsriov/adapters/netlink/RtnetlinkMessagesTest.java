package org.kvmsriov.adapters.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.kvmsriov.model.Guid;
import org.kvmsriov.port.VfLinkPolicy;

/**
 * The RTM_SETLINK request byte for byte against the uapi layouts (little-endian, 64-bit ABI), and
 * ack parsing.
 */
class RtnetlinkMessagesTest {

  private static final Guid GUID = Guid.parse("00:00:aa:01:c0:a8:0a:05");

  @Test
  void setVfGuidsWithLinkStateMatchesTheKernelStructs() {
    byte[] msg = RtnetlinkMessages.setVfGuids(ByteOrder.LITTLE_ENDIAN, 1, 7, 3, GUID, GUID,
        Optional.of(VfLinkPolicy.FOLLOW));
    String expected = String.join("",
        "5c000000", "1300", "0500", "01000000", "00000000", // nlmsghdr: 92 bytes, RTM_SETLINK, REQUEST|ACK, seq 1, pid 0
        "00", "00", "0000", "07000000", "00000000", "00000000", // ifinfomsg: AF_UNSPEC, ifindex 7
        "3c00", "1600", // IFLA_VFINFO_LIST, 60 bytes
        "3800", "0100", // IFLA_VF_INFO, 56 bytes
        "0c00", "0500", "03000000", "00000000", // IFLA_VF_LINK_STATE { vf 3, AUTO }
        "1400", "0a00", "03000000", "00000000", "050aa8c001aa0000", // IFLA_VF_IB_NODE_GUID { vf 3, pad, guid }
        "1400", "0b00", "03000000", "00000000", "050aa8c001aa0000"); // IFLA_VF_IB_PORT_GUID
    assertThat(HexFormat.of().formatHex(msg)).isEqualTo(expected);
  }

  @Test
  void setVfGuidsWithoutLinkStateLeavesItOut() {
    byte[] msg = RtnetlinkMessages.setVfGuids(ByteOrder.LITTLE_ENDIAN, 9, 2, 0, new Guid(0), new Guid(0),
        Optional.empty());
    assertThat(msg).hasSize(80);
    assertThat(HexFormat.of().formatHex(msg, 32, 44)).isEqualTo("3000" + "1600" + "2c00" + "0100" + "1400" + "0a00");
  }

  @Test
  void bigEndianHostsGetBigEndianFields() {
    byte[] msg = RtnetlinkMessages.setVfGuids(ByteOrder.BIG_ENDIAN, 1, 7, 3, GUID, GUID, Optional.empty());
    assertThat(HexFormat.of().formatHex(msg, 0, 8)).isEqualTo("00000050" + "0013" + "0005");
    assertThat(HexFormat.of().formatHex(msg, msg.length - 8, msg.length)).isEqualTo("0000aa01c0a80a05");
  }

  @Test
  void zeroErrorIsTheAck() {
    RtnetlinkMessages.checkAck(ByteOrder.LITTLE_ENDIAN, ack(5, 0), 5, "test");
  }

  @Test
  void refusesAnErrorAck() {
    assertThatThrownBy(() -> RtnetlinkMessages.checkAck(ByteOrder.LITTLE_ENDIAN, ack(5, -95), 5, "setting X"))
        .isInstanceOf(NetlinkException.class)
        .hasMessageContaining("setting X: the kernel answered errno 95 EOPNOTSUPP")
        .extracting(e -> ((NetlinkException) e).errno()).isEqualTo(95);
  }

  @Test
  void refusesAReplyToAnotherRequest() {
    assertThatThrownBy(() -> RtnetlinkMessages.checkAck(ByteOrder.LITTLE_ENDIAN, ack(4, 0), 5, "t"))
        .isInstanceOf(NetlinkException.class).hasMessageContaining("not the ack for request 5");
  }

  @Test
  void refusesATruncatedReply() {
    assertThatThrownBy(() -> RtnetlinkMessages.checkAck(ByteOrder.LITTLE_ENDIAN, new byte[8], 1, "t"))
        .isInstanceOf(NetlinkException.class).hasMessageContaining("too short");
  }

  /** An NLMSG_ERROR as the kernel sends it: header, error, then the request's header echoed. */
  static byte[] ack(int seq, int error) {
    return ByteBuffer.allocate(36).order(ByteOrder.LITTLE_ENDIAN)
        .putInt(36).putShort((short) 2).putShort((short) 0x100).putInt(seq).putInt(1234)
        .putInt(error)
        .putInt(92).putShort((short) 19).putShort((short) 5).putInt(seq).putInt(0)
        .array();
  }
}
