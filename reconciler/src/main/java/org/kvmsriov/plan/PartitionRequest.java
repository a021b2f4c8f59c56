package org.kvmsriov.plan;

import java.util.List;
import java.util.Optional;
import org.kvmsriov.config.InvalidInputException;
import org.kvmsriov.model.Pkey;

/**
 * The InfiniBand partition a NIC asks for through its network's VLAN_ID.
 *
 * <pre>
 * PartitionRequest = DefaultPartition           no VLAN_ID
 *                  | Partition(number)          VLAN_ID 1..0x7fff, the 15-bit partition number
 *                  | Blocked                    blocked where the NIC ran before (saved, migrated)
 * </pre>
 *
 * <p>The add-on counted binary digits and so, for VLAN_IDs of 15 bits (16384..32767), dropped
 * the membership bit: 20000 became 0x4e20 only. Here every partition is looked up as a full
 * member ({@code 0x8000 | n}) or a limited member ({@code n}).
 */
public sealed interface PartitionRequest {

  record DefaultPartition() implements PartitionRequest {}

  /**
   * A NIC whose partition could not be mapped where it ran before: it stays blocked until the
   * network driver's {@code post} step maps its VLAN_ID again (restore and migration know only
   * what the lease recorded, not the partition number it failed to find).
   */
  record Blocked() implements PartitionRequest {}

  /** @param number the partition number, 1..0x7fff */
  record Partition(int number) implements PartitionRequest {
    public Partition {
      if (number < 1 || number > 0x7fff) {
        throw new IllegalArgumentException("partition " + number + " is outside 1..32767");
      }
    }

    /** The keys that grant this partition, full membership first. */
    public List<Pkey> keys() {
      return List.of(new Pkey(0x8000 | number), new Pkey(number));
    }
  }

  /**
   * From a NIC's VLAN_ID (a free string oned does not check).
   *
   * @throws InvalidInputException when the VLAN_ID is not a partition number
   */
  static PartitionRequest fromVlanId(Optional<String> vlanId) {
    if (vlanId.isEmpty() || vlanId.get().isBlank()) {
      return new DefaultPartition();
    }
    String v = vlanId.get().strip();
    if (!v.matches("\\d{1,5}") || Integer.parseInt(v) < 1 || Integer.parseInt(v) > 0x7fff) {
      throw new InvalidInputException("VLAN_ID '" + v + "' is not an InfiniBand partition number"
          + " (1 to 32767; the membership bit is chosen from the port's pkey table)");
    }
    return new Partition(Integer.parseInt(v));
  }

  /**
   * What a lease's recorded key asks for again (restore, migration): the default partition for
   * none or a default key, blocked for {@link Pkey#BLOCKED}, else the key's partition.
   */
  static PartitionRequest recorded(Optional<Pkey> recorded) {
    if (recorded.isEmpty() || recorded.get().partition() == 0x7fff) {
      return new DefaultPartition();
    }
    return recorded.get().equals(Pkey.BLOCKED) ? new Blocked() : new Partition(recorded.get().partition());
  }
}
