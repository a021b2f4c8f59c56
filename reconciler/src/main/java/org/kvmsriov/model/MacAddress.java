package org.kvmsriov.model;

import java.util.Locale;

/** A 48-bit Ethernet MAC address. */
public record MacAddress(long value) {

  public MacAddress {
    if (value < 0 || value > 0xffff_ffff_ffffL) {
      throw new IllegalArgumentException("MAC address out of 48-bit range");
    }
  }

  public static MacAddress parse(String text) {
    String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
    if (!t.matches("[0-9a-f]{2}(:[0-9a-f]{2}){5}")) {
      throw new IllegalArgumentException("'" + text + "' is not a MAC address (expected aa:bb:cc:dd:ee:ff)");
    }
    return new MacAddress(Long.parseLong(t.replace(":", ""), 16));
  }

  /** Octet {@code i}, 0 being the first printed. */
  public int octet(int i) {
    if (i < 0 || i > 5) {
      throw new IndexOutOfBoundsException(i);
    }
    return (int) ((value >>> (8 * (5 - i))) & 0xff);
  }

  /** Octets 2..5 (0-based), where OpenNebula encodes the NIC's IPv4 address by default. */
  public long lowFourOctets() {
    return value & 0xffff_ffffL;
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder(17);
    for (int i = 0; i < 6; i++) {
      if (i > 0) {
        b.append(':');
      }
      b.append(String.format("%02x", octet(i)));
    }
    return b.toString();
  }
}
