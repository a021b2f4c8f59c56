package org.kvmsriov.port;

/** The kernel interface through which a PF's VF GUIDs are programmed, chosen from what sysfs shows. */
public enum GuidInterface {
  /** ConnectX-3: {@code /sys/class/infiniband/mlx4_N/iov/ports/P/admin_guids/<slave>} (alias GUIDs). */
  MLX4_ALIAS_GUID,
  /** ConnectX-4 and later with MLNX_OFED: {@code <PF>/sriov/N/{node,port,policy}}. */
  MLX5_OFED_SYSFS,
  /** ConnectX-4 and later on a mainline kernel: rtnetlink {@code IFLA_VF_IB_NODE_GUID/PORT_GUID}. */
  MLX5_NETLINK
}
