package org.kvmsriov.port;

/**
 * A PF's VF counts: {@code sriov_totalvfs} and {@code sriov_numvfs}.
 *
 * @param total how many VFs the device (or its driver) can offer
 * @param enabled how many VFs exist now
 */
public record SriovCounts(int total, int enabled) {
  public SriovCounts {
    if (total < 0 || enabled < 0 || enabled > total) {
      throw new IllegalArgumentException(
          "VF counts " + enabled + " enabled of " + total + " total are inconsistent");
    }
  }
}
