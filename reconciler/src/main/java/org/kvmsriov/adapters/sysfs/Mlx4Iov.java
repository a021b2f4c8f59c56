package org.kvmsriov.adapters.sysfs;

import java.nio.file.Path;
import java.util.regex.Pattern;
import org.kvmsriov.model.Guid;
import org.kvmsriov.model.PciAddress;

/**
 * The mlx4 (ConnectX-3) SR-IOV tree {@code sys/class/infiniband/mlx4_N/iov/}: slave numbers,
 * directory names and the value formats of its files.
 */
final class Mlx4Iov {

  /** {@code admin_guids/<K>} shows {@code "%llx\n"}: lowercase hex, no 0x, no padding. */
  private static final Pattern BARE_HEX = Pattern.compile("0|[1-9a-f][0-9a-f]{0,15}");
  /** {@code gids/<K>} shows eight groups of four lowercase hex digits. */
  private static final Pattern GID = Pattern.compile("(?:[0-9a-f]{4}:){7}[0-9a-f]{4}");

  private Mlx4Iov() {}

  /** mlx4 numbers functions as slaves: 0 is the PF, VF index i is slave i + 1. */
  static int slave(int vf) {
    if (vf < 0 || vf > 125) {
      throw new IllegalArgumentException("VF index " + vf + " is outside mlx4's 0..125");
    }
    return vf + 1;
  }

  /**
   * The name of a slave's directory under {@code iov/}: the kernel's {@code "%.8s%.2d.%d"} over the
   * PF's name and the slave number. It looks like a PCI address but is not the VF's (slave 80 of
   * {@code 0000:07:00.0} is {@code 0000:07:10.0}), so it is never built from a VF address.
   */
  static String slaveDirName(PciAddress pf, int slave) {
    return pf.toString().substring(0, 8) + String.format("%02d.%d", slave / 8, slave % 8);
  }

  static Path portDir(Path hca, int port) {
    return hca.resolve("iov/ports").resolve(Integer.toString(port));
  }

  static Guid adminGuid(Path file) {
    String s = SysfsText.line(file);
    if (!BARE_HEX.matcher(s).matches()) {
      throw new SysfsException(file, "holds '" + s + "', expected a GUID in bare hex (e.g. aa00c0a80a05)");
    }
    return new Guid(Long.parseUnsignedLong(s, 16));
  }

  /** The low 64 bits of a GID: the port GUID (the high 64 are the subnet prefix). */
  static Guid gidPortGuid(Path file) {
    String s = SysfsText.line(file);
    if (!GID.matcher(s).matches()) {
      throw new SysfsException(file, "holds '" + s + "', expected a GID (8 groups of 4 hex digits)");
    }
    return new Guid(Long.parseUnsignedLong(s.substring(20).replace(":", ""), 16));
  }
}
