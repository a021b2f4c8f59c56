package org.kvmsriov.adapters.netlink;

import java.nio.ByteOrder;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.kvmsriov.model.Guid;
import org.kvmsriov.port.GuidInterface;
import org.kvmsriov.port.GuidProgrammer;
import org.kvmsriov.port.IbVfState;
import org.kvmsriov.port.VfLinkPolicy;

/**
 * Mainline-kernel mlx5 VF GUIDs over rtnetlink, as {@code ip link set <pf> vf N node_guid G
 * port_guid G state auto} does. The kernel acks synchronously but offers no trustworthy read-back
 * (it reports only values cached since the driver loaded), so {@link #read} is empty and drift is
 * judged from the ledger's record.
 */
public final class NetlinkGuidProgrammer implements GuidProgrammer {

  private static final Guid ZERO = new Guid(0L);

  private final int ifindex;
  private final NetlinkSocket.Factory sockets;
  private final ByteOrder order;
  private final AtomicInteger seq = new AtomicInteger(1);

  /**
   * @param ifindex the PF's (IPoIB netdev's) interface index
   * @param sockets opens the socket each request goes through
   */
  public NetlinkGuidProgrammer(int ifindex, NetlinkSocket.Factory sockets) {
    this(ifindex, sockets, ByteOrder.nativeOrder());
  }

  NetlinkGuidProgrammer(int ifindex, NetlinkSocket.Factory sockets, ByteOrder order) {
    if (ifindex <= 0) {
      throw new IllegalArgumentException("ifindex " + ifindex + " is not an interface index");
    }
    this.ifindex = ifindex;
    this.sockets = Objects.requireNonNull(sockets, "sockets");
    this.order = order;
  }

  @Override
  public GuidInterface kind() {
    return GuidInterface.MLX5_NETLINK;
  }

  @Override
  public Optional<IbVfState> read(int vf) {
    return Optional.empty();
  }

  @Override
  public Optional<IbVfState> program(int vf, Guid guid) {
    if (guid.isUnset()) {
      throw new IllegalArgumentException("GUID " + guid + " means 'unset'; refusing to program it on VF " + vf);
    }
    send(vf, guid, Optional.of(VfLinkPolicy.FOLLOW));
    return Optional.empty();
  }

  /** Netlink cannot read GUIDs back, so nothing saved can be restored except a zero reset. */
  @Override
  public void restore(IbVfState saved) {
    Guid port = saved.operPortGuid().or(saved::adminPortGuid).orElse(ZERO);
    Guid node = saved.nodeGuid().orElse(port);
    send(saved.vf(), node, port, saved.policy());
  }

  @Override
  public void clear(int vf) {
    send(vf, ZERO, Optional.empty());
  }

  private void send(int vf, Guid guid, Optional<VfLinkPolicy> state) {
    send(vf, guid, guid, state);
  }

  private void send(int vf, Guid node, Guid port, Optional<VfLinkPolicy> state) {
    int n = seq.getAndIncrement();
    byte[] request = RtnetlinkMessages.setVfGuids(order, n, ifindex, vf, node, port, state);
    String what = "setting GUID " + port + " on VF " + vf + " of ifindex " + ifindex;
    try (NetlinkSocket socket = sockets.open()) {
      RtnetlinkMessages.checkAck(order, socket.exchange(request), n, what);
    }
  }
}
