package org.kvmsriov.port;

/**
 * Where one entry of a VF's virtual pkey table points (mlx4 {@code pkey_idx/<v>}).
 *
 * <pre>
 * PkeySlot = Mapped(physicalIndex)   the VF sees the port's pkey at that physical index
 *          | Blocked                 "none": the reserved slot, no partition
 * </pre>
 */
public sealed interface PkeySlot permits PkeySlot.Mapped, PkeySlot.Blocked {

  /** @param physicalIndex an index into the port's pkey table, from 0 */
  record Mapped(int physicalIndex) implements PkeySlot {
    public Mapped {
      if (physicalIndex < 0) {
        throw new IllegalArgumentException("physical pkey index " + physicalIndex + " is negative");
      }
    }
  }

  record Blocked() implements PkeySlot {}

  static PkeySlot mapped(int physicalIndex) {
    return new Mapped(physicalIndex);
  }

  static PkeySlot blocked() {
    return new Blocked();
  }
}
