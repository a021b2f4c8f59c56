/**
 * rtnetlink for the one thing sysfs cannot do: setting a mainline-kernel mlx5 VF's InfiniBand
 * node and port GUIDs ({@code ip link set <pf> vf N node_guid … port_guid …}). Messages are built
 * and acks parsed in plain Java ({@link org.kvmsriov.adapters.netlink.RtnetlinkMessages}); only
 * {@link org.kvmsriov.adapters.netlink.JnaNetlinkSocket} touches the kernel, through JNA.
 */
package org.kvmsriov.adapters.netlink;
