package org.kvmsriov.port;

/**
 * The administrative link state of an InfiniBand VF: MLNX_OFED's {@code sriov/N/policy}
 * ({@code Down}, {@code Up}, {@code Follow}) and netlink's {@code state disable|enable|auto}.
 */
public enum VfLinkPolicy {
  DOWN("Down"),
  UP("Up"),
  /** The VF's link follows the physical port: what kvm-sriov programs. */
  FOLLOW("Follow");

  private final String sysfs;

  VfLinkPolicy(String sysfs) {
    this.sysfs = sysfs;
  }

  /** The word MLNX_OFED's sysfs shows and accepts. */
  public String sysfsWord() {
    return sysfs;
  }
}
