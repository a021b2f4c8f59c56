package org.kvmsriov.port;

import java.util.regex.Pattern;

/**
 * An InfiniBand HCA and one of its ports, as resolved on this host.
 *
 * @param device the HCA name under {@code /sys/class/infiniband} ({@code mlx4_0}); checked to be
 *     one safe path element
 * @param port the 1-based port number
 */
public record IbPort(String device, int port) {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_]{1,64}");

  public IbPort {
    if (device == null || !NAME.matcher(device).matches()) {
      throw new IllegalArgumentException("'" + device + "' is not an InfiniBand device name");
    }
    if (port < 1 || port > 255) {
      throw new IllegalArgumentException("InfiniBand port " + port + " is outside 1..255");
    }
  }

  /** True when {@code name} could name an HCA (and so is safe as one path element). */
  public static boolean isDeviceName(String name) {
    return name != null && NAME.matcher(name).matches();
  }

  @Override
  public String toString() {
    return device + " port " + port;
  }
}
