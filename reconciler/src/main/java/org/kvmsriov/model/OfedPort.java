package org.kvmsriov.model;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The InfiniBand HCA and port a PF's VFs belong to ({@code mlx4_0} port 1). The add-on's
 * {@code <pf>_ofed} file gave a bare device number, which meant {@code mlx4_<n>}.
 *
 * @param device an HCA name under {@code /sys/class/infiniband} (e.g. {@code mlx5_0}); empty to
 *     resolve it from the PF's PCI device (mlx5 numbers HCAs by probe order, so a fixed name can
 *     point at the wrong card after a reboot)
 * @param port 1-based port number
 */
public record OfedPort(Optional<String> device, int port) {

  private static final Pattern HCA = Pattern.compile("mlx[45]_[0-9]{1,3}");

  public OfedPort {
    device.ifPresent(d -> {
      if (!HCA.matcher(d).matches()) {
        throw new IllegalArgumentException("OFED device '" + d + "' is not an mlx4_N or mlx5_N HCA name");
      }
    });
    if (port < 1 || port > 2) {
      throw new IllegalArgumentException("OFED port " + port + " is not 1 or 2");
    }
  }

  /** The add-on's form: {@code device 0} meant {@code mlx4_0}. */
  public static OfedPort fromLegacyNumber(int deviceNumber, int port) {
    return new OfedPort(Optional.of("mlx4_" + deviceNumber), port);
  }
}
