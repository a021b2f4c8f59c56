package org.kvmsriov.model;

import java.util.Locale;

/** A 64-bit InfiniBand GUID (node or port). */
public record Guid(long value) {

  /** All-zero and all-ones GUIDs mean "not set" to the HCA and to the subnet manager. */
  public boolean isUnset() {
    return value == 0L || value == -1L;
  }

  /**
   * Parses the forms the kernel and tools print: {@code 0x0002c9030012ab01}, bare hex
   * {@code 0002c9030012ab01}, or colon-separated {@code 00:02:c9:03:00:12:ab:01}.
   */
  public static Guid parse(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    if (t.contains(":")) {
      String[] parts = t.split(":", -1);
      if (parts.length != 8) {
        throw new IllegalArgumentException("'" + text + "' is not a GUID (need 8 octets)");
      }
      long v = 0;
      for (String p : parts) {
        if (!p.matches("[0-9a-f]{2}")) {
          throw new IllegalArgumentException("'" + text + "' is not a GUID");
        }
        v = (v << 8) | Integer.parseInt(p, 16);
      }
      return new Guid(v);
    }
    if (t.startsWith("0x")) {
      t = t.substring(2);
    }
    if (!t.matches("[0-9a-f]{1,16}")) {
      throw new IllegalArgumentException("'" + text + "' is not a GUID");
    }
    return new Guid(Long.parseUnsignedLong(t, 16));
  }

  /** {@code 0x0002c9030012ab01}, the form mlx4 {@code admin_guids} accepts. */
  public String toHex() {
    return String.format("0x%016x", value);
  }

  /** {@code 00:02:c9:03:00:12:ab:01}, the form {@code ip link} and mlx5 sysfs use. */
  public String toColons() {
    StringBuilder b = new StringBuilder(23);
    for (int shift = 56; shift >= 0; shift -= 8) {
      if (b.length() > 0) {
        b.append(':');
      }
      b.append(String.format("%02x", (value >>> shift) & 0xff));
    }
    return b.toString();
  }

  /** As a message shows it: an unset GUID says that it is one. */
  public String shown() {
    return isUnset() ? toColons() + " (unset)" : toColons();
  }

  @Override
  public String toString() {
    return toColons();
  }
}
