package org.kvmsriov.port;

import java.util.List;

/**
 * kvm-sriov on another host of the cloud, as OpenNebula itself reaches hosts (ssh as its user,
 * then the same narrow sudo rule). Used by migrate to reserve and attach VFs on the destination.
 */
@FunctionalInterface
public interface RemoteDriver {

  /**
   * Runs {@code kvm-sriov driver ARGS…} on {@code host}.
   *
   * @return its standard output
   * @throws DriverException when it cannot be reached or exits non-zero (with its message)
   */
  String call(String host, List<String> args);
}
