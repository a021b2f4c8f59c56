package org.kvmsriov.model;

/**
 * An InfiniBand partition key. Bit 15 is the membership bit (1 = full member); the low 15 bits
 * are the partition number. 0x0000 is invalid and 0x7fff/0xffff is the default partition.
 */
public record Pkey(int value) {

  public static final Pkey DEFAULT_FULL = new Pkey(0xffff);

  /**
   * What a lease records for a VF it blocked (virtual index 0 at {@code none}). 0x8000 is
   * partition 0, which is no partition: no port table holds it, so the mark cannot be mistaken
   * for a key a VF was mapped to (0x7fff, the limited default partition, can be one).
   */
  public static final Pkey BLOCKED = new Pkey(0x8000);

  public Pkey {
    if (value < 0x0001 || value > 0xffff) {
      throw new IllegalArgumentException(String.format(
          "pkey 0x%x is outside 0x0001-0xffff", value));
    }
  }

  public static Pkey parse(String text) {
    String t = text.trim().toLowerCase(java.util.Locale.ROOT);
    try {
      return new Pkey(t.startsWith("0x") ? Integer.parseInt(t.substring(2), 16) : Integer.parseInt(t));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' is not a pkey (expected e.g. 0x8001)", e);
    }
  }

  /** The 15-bit partition number, membership bit cleared. */
  public int partition() {
    return value & 0x7fff;
  }

  public boolean fullMember() {
    return (value & 0x8000) != 0;
  }

  /** The same partition's key with the membership bit cleared: how subnet managers name it. */
  public Pkey withoutMembership() {
    return new Pkey(partition());
  }

  @Override
  public String toString() {
    return String.format("0x%04x", value);
  }
}
