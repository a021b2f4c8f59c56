package org.kvmsriov.adapters.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvmsriov.adapters.sysfs.SysfsFabric;
import org.kvmsriov.model.Guid;
import org.kvmsriov.model.PfName;
import org.kvmsriov.port.GuidProgrammer;
import org.kvmsriov.port.IbPort;
import org.kvmsriov.testsupport.ShmTempDir;
import org.kvmsriov.testsupport.SysfsHosts;

/**
 * The netlink programmer on a mainline-mlx5 host (no MLNX_OFED sysfs). A socket double plays the
 * kernel's side; the last test sends a real request to the kernel. Programming a real VF needs an
 * mlx5 HCA and is not tested here.
 */
class NetlinkGuidProgrammerTest {

  @TempDir(factory = ShmTempDir.class) Path root;

  /** Answers each request with an NLMSG_ERROR carrying {@code error}, as the kernel would. */
  private static final class KernelDouble implements NetlinkSocket {
    final List<byte[]> requests = new ArrayList<>();
    final int error;

    KernelDouble(int error) {
      this.error = error;
    }

    @Override
    public byte[] exchange(byte[] request) {
      requests.add(request);
      int seq = ByteBuffer.wrap(request).order(ByteOrder.nativeOrder()).getInt(8);
      return nativeAck(seq, error);
    }

    @Override
    public void close() {}
  }

  private static byte[] nativeAck(int seq, int error) {
    return ByteBuffer.allocate(20).order(ByteOrder.nativeOrder())
        .putInt(20).putShort((short) 2).putShort((short) 0).putInt(seq).putInt(0).putInt(error).array();
  }

  @Test
  void programsThroughThePfsIfindex() {
    var host = SysfsHosts.twoNodeHost(root, false);
    KernelDouble kernel = new KernelDouble(0);
    GuidProgrammer g = new SysfsFabric(root, () -> kernel).guidProgrammer(new PfName("ib2"), new IbPort("mlx5_0", 1));
    Guid guid = Guid.parse("00:00:aa:01:c0:a8:0a:05");
    assertThat(g.program(4, guid)).isEmpty(); // no trustworthy read-back on mainline
    assertThat(g.read(4)).isEmpty();
    int ifindex = Integer.parseInt(host.tree().read("sys/class/net/ib2/ifindex").trim());
    assertThat(kernel.requests).hasSize(1);
    assertThat(kernel.requests.get(0)).isEqualTo(RtnetlinkMessages.setVfGuids(ByteOrder.nativeOrder(), 1, ifindex,
        4, guid, guid, Optional.of(org.kvmsriov.port.VfLinkPolicy.FOLLOW)));
    g.clear(4);
    assertThat(kernel.requests.get(1)).isEqualTo(RtnetlinkMessages.setVfGuids(ByteOrder.nativeOrder(), 2, ifindex,
        4, new Guid(0), new Guid(0), Optional.empty()));
  }

  @Test
  void refusesWhatTheKernelRefuses() {
    SysfsHosts.twoNodeHost(root, false);
    GuidProgrammer g = new SysfsFabric(root, () -> new KernelDouble(-22))
        .guidProgrammer(new PfName("ib2"), new IbPort("mlx5_0", 1));
    assertThatThrownBy(() -> g.program(4, Guid.parse("0x1234")))
        .isInstanceOf(NetlinkException.class)
        .hasMessageContaining("VF 4")
        .hasMessageContaining("errno 22 EINVAL");
  }

  @Test
  void refusesUnsetGuidsBeforeSending() {
    KernelDouble kernel = new KernelDouble(0);
    GuidProgrammer g = new NetlinkGuidProgrammer(5, () -> kernel);
    assertThatThrownBy(() -> g.program(0, new Guid(-1L))).isInstanceOf(IllegalArgumentException.class);
    assertThat(kernel.requests).isEmpty();
  }

  @Test
  void refusesAMalformedIfindex() {
    var host = SysfsHosts.twoNodeHost(root, false);
    host.tree().attr("sys/class/net/ib2/ifindex", "ib2");
    assertThatThrownBy(() -> new SysfsFabric(root, () -> new KernelDouble(0))
        .guidProgrammer(new PfName("ib2"), new IbPort("mlx5_0", 1)))
        .hasMessageContaining("ib2/ifindex").hasMessageContaining("'ib2'");
  }

  @Test
  void theRealSocketGetsTheKernelsAnswer() {
    // Loopback (ifindex 1 in every network namespace) cannot have VFs: the kernel refuses the
    // request (EOPNOTSUPP, or EPERM without CAP_NET_ADMIN) and changes nothing. The answer proves
    // the JNA socket, the message framing and the ack parsing against a real kernel.
    JnaNetlinkSocket probe;
    try {
      probe = JnaNetlinkSocket.open();
    } catch (NetlinkException | UnsatisfiedLinkError e) {
      assumeThat(false).as("no netlink sockets here: " + e.getMessage()).isTrue();
      return;
    }
    probe.close();
    GuidProgrammer g = new NetlinkGuidProgrammer(1, JnaNetlinkSocket::open);
    assertThatThrownBy(() -> g.program(0, Guid.parse("00:00:aa:01:c0:a8:0a:05")))
        .isInstanceOf(NetlinkException.class)
        .hasMessageContaining("the kernel answered errno")
        .satisfies(e -> assertThat(((NetlinkException) e).errno()).isIn(1, 22, 95));
  }
}
