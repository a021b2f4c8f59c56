/**
 * The sysfs adapter: {@link org.kvmsriov.adapters.sysfs.SysfsFabric} reads SR-IOV topology and
 * programs InfiniBand VF GUIDs and partitions under an injected root, with one strategy per
 * driver interface (mlx4 {@code iov/}, MLNX_OFED mlx5 {@code sriov/}; mainline mlx5 goes through
 * {@code org.kvmsriov.adapters.netlink}). Every value is parsed strictly: what the kernel would
 * not write is a {@link org.kvmsriov.adapters.sysfs.SysfsException} naming the file.
 */
package org.kvmsriov.adapters.sysfs;
