package org.kvmsriov.adapters.netlink;

import java.util.Map;

/** Names for the errnos an rtnetlink VF request can plausibly meet, for messages people read. */
final class Errno {

  private static final Map<Integer, String> NAMES = Map.of(
      1, "EPERM (needs CAP_NET_ADMIN)",
      2, "ENOENT",
      16, "EBUSY",
      19, "ENODEV (no such interface)",
      22, "EINVAL (no such VF, or a malformed request)",
      95, "EOPNOTSUPP (the interface cannot set VF GUIDs: not an mlx5 IPoIB PF?)",
      105, "ENOBUFS",
      110, "ETIMEDOUT",
      11, "EAGAIN (no answer in time)");

  private Errno() {}

  static String describe(int errno) {
    return ("errno " + errno + " " + NAMES.getOrDefault(errno, "")).trim();
  }
}
