package org.kvmsriov.model;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PCI function address, {@code DDDD:BB:SS.F}, as sysfs names devices and {@code lspci -D} prints them.
 *
 * @param domain 0..0xffff
 * @param bus 0..0xff
 * @param slot 0..0x1f (five bits on the wire)
 * @param function 0..7
 */
public record PciAddress(int domain, int bus, int slot, int function) implements Comparable<PciAddress> {

  private static final Pattern FORM =
      Pattern.compile("(?:([0-9a-fA-F]{4}):)?([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\\.([0-7])");

  public PciAddress {
    check(domain, 0xffff, "domain");
    check(bus, 0xff, "bus");
    check(slot, 0x1f, "slot");
    check(function, 7, "function");
  }

  private static void check(int v, int max, String what) {
    if (v < 0 || v > max) {
      throw new IllegalArgumentException("PCI " + what + " " + v + " is out of range 0.." + max);
    }
  }

  /** Parses {@code 0000:07:00.1} or the domain-less {@code 07:00.1} that plain {@code lspci} prints. */
  public static PciAddress parse(String text) {
    Matcher m = FORM.matcher(text == null ? "" : text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a PCI address (expected DDDD:BB:SS.F, e.g. 0000:07:00.1)");
    }
    int domain = m.group(1) == null ? 0 : Integer.parseInt(m.group(1), 16);
    return new PciAddress(domain, Integer.parseInt(m.group(2), 16),
        Integer.parseInt(m.group(3), 16), Integer.parseInt(m.group(4)));
  }

  /** True when {@code text} parses; for validators that collect problems instead of throwing. */
  public static boolean isValid(String text) {
    try {
      parse(text);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  @Override
  public int compareTo(PciAddress o) {
    return Long.compare(ordinal(), o.ordinal());
  }

  private long ordinal() {
    return ((long) domain << 16) | (bus << 8) | (slot << 3) | function;
  }

  @Override
  public String toString() {
    return String.format("%04x:%02x:%02x.%d", domain, bus, slot, function);
  }
}
