package org.kvmsriov.model;

/**
 * The one-octet prefix that marks the MACs (and GUIDs) kvm-sriov derives for SR-IOV NICs, the
 * add-on's {@code DUMMY_MAC_PREFIX} (default {@code aa}). It must differ from OpenNebula's own
 * default MAC prefix {@code 02}, or guests could not tell a dummy NIC from a real one, and be even:
 * the low bit of a MAC's first octet marks a multicast address.
 */
public record MacPrefix(int octet) {

  public static final MacPrefix DEFAULT = new MacPrefix(0xaa);
  public static final int OPENNEBULA_DEFAULT = 0x02;

  public MacPrefix {
    if (octet < 0 || octet > 0xff) {
      throw new IllegalArgumentException("MAC prefix must be one octet");
    }
    if (octet == OPENNEBULA_DEFAULT) {
      throw new IllegalArgumentException(
          "MAC prefix 02 is OpenNebula's default MAC prefix; SR-IOV NICs would be indistinguishable");
    }
    if ((octet & 1) != 0) {
      throw new IllegalArgumentException(String.format("MAC prefix %02x is odd: MACs starting with it are"
          + " multicast, which libvirt refuses for a NIC", octet));
    }
  }

  /** Why {@code text} is not a usable prefix, or null. */
  public static String problem(String text) {
    if (text == null || !text.matches("[0-9a-fA-F]{2}")) {
      return "MAC prefix '" + text + "' is not one hex octet (e.g. aa)";
    }
    if (Integer.parseInt(text, 16) == OPENNEBULA_DEFAULT) {
      return "MAC prefix '" + text + "' collides with OpenNebula's default MAC prefix 02";
    }
    if ((Integer.parseInt(text, 16) & 1) != 0) {
      return "MAC prefix '" + text + "' is odd: MACs starting with it are multicast, which libvirt refuses for a NIC";
    }
    return null;
  }

  public static MacPrefix parse(String text) {
    String why = problem(text);
    if (why != null) {
      throw new IllegalArgumentException(why);
    }
    return new MacPrefix(Integer.parseInt(text, 16));
  }

  @Override
  public String toString() {
    return String.format("%02x", octet);
  }
}
