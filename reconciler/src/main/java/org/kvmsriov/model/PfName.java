package org.kvmsriov.model;

/**
 * The Linux network interface name of a physical function ({@code ib0}, {@code enp7s0f0}).
 *
 * <p>Validated as the kernel's {@code dev_valid_name()} does, so it can safely become one path
 * element under {@code /sys/class/net} or the ledger directory: 1..15 bytes, not {@code .} or
 * {@code ..}, no {@code /}, {@code :} or whitespace. We also refuse control characters.
 */
public record PfName(String value) implements Comparable<PfName> {

  public static final int IFNAMSIZ = 16;

  public PfName {
    String why = problem(value);
    if (why != null) {
      throw new IllegalArgumentException(why);
    }
  }

  /** Why {@code name} is not a valid interface name, or null when it is. */
  public static String problem(String name) {
    if (name == null || name.isEmpty()) {
      return "PF name is empty";
    }
    if (name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length >= IFNAMSIZ) {
      return "PF name '" + name + "' is longer than 15 characters, which Linux does not allow";
    }
    if (name.equals(".") || name.equals("..")) {
      return "PF name '" + name + "' is not a valid interface name";
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '/' || c == ':' || Character.isWhitespace(c) || Character.isISOControl(c)) {
        return "PF name '" + name + "' is not a valid interface name (no '/', ':' or spaces)";
      }
    }
    return null;
  }

  @Override
  public int compareTo(PfName o) {
    return value.compareTo(o.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
