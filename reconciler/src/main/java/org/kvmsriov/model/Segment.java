package org.kvmsriov.model;

import java.util.Optional;
import org.kvmsriov.config.InvalidInputException;

/**
 * The network segment a NIC asks for through its network's {@code VLAN_ID}, as its PF's mode
 * reads that number: the one type and the one range rule for VLANs and partitions.
 *
 * <pre>
 * Segment = Untagged              no VLAN_ID (Ethernet: untagged; InfiniBand: the default partition)
 *         | Vlan(id)              Ethernet 802.1Q VLAN, 1..4094, which libvirt sets on the VF
 *         | Partition(number)     InfiniBand partition, 1..32767 (the membership bit comes from the
 *                                 port's pkey table)
 *         | Blocked               InfiniBand: blocked where the NIC ran before (saved, migrated)
 * </pre>
 *
 * <p>Generic mode passes the device through as it is: its NICs are always {@link Untagged}.
 */
public sealed interface Segment {

  int MAX_VLAN = 4094;
  int MAX_PARTITION = 0x7fff;

  record Untagged() implements Segment {}

  record Vlan(int id) implements Segment {
    public Vlan {
      if (id < 1 || id > MAX_VLAN) {
        throw new IllegalArgumentException("VLAN " + id + " is outside 1.." + MAX_VLAN);
      }
    }
  }

  record Partition(int number) implements Segment {
    public Partition {
      if (number < 1 || number > MAX_PARTITION) {
        throw new IllegalArgumentException("partition " + number + " is outside 1.." + MAX_PARTITION);
      }
    }

    /** The keys that grant this partition, full membership first. */
    public java.util.List<Pkey> keys() {
      return java.util.List.of(new Pkey(0x8000 | number), new Pkey(number));
    }
  }

  /**
   * A NIC whose partition could not be mapped where it ran before: it stays blocked until the
   * network driver's {@code post} step maps its VLAN_ID again.
   */
  record Blocked() implements Segment {}

  Segment UNTAGGED = new Untagged();

  /**
   * The segment a NIC on a PF of {@code mode} asks for with {@code vlanId} (a free string oned
   * does not check).
   *
   * @throws InvalidInputException naming the value and the range the mode accepts
   */
  static Segment of(Mode mode, Optional<String> vlanId) {
    if (vlanId.isEmpty() || vlanId.get().isBlank() || mode instanceof Mode.Generic) {
      return UNTAGGED;
    }
    String v = vlanId.get().strip();
    int n = v.matches("\\d{1,5}") ? Integer.parseInt(v) : -1;
    return mode.accept(new Mode.Visitor<Segment>() {
      @Override
      public Segment generic(Mode.Generic g) {
        return UNTAGGED;
      }

      @Override
      public Segment mlnxOfed2(Mode.MlnxOfed2 m) {
        if (n < 1 || n > MAX_PARTITION) {
          throw new InvalidInputException("VLAN_ID '" + v + "' is not an InfiniBand partition number"
              + " (1 to " + MAX_PARTITION + "; the membership bit is chosen from the port's pkey table)");
        }
        return new Partition(n);
      }

      @Override
      public Segment ethernet(Mode.Ethernet e) {
        if (n < 1 || n > MAX_VLAN) {
          throw new InvalidInputException("VLAN_ID '" + v + "' is not an Ethernet VLAN (1-" + MAX_VLAN + ")");
        }
        return new Vlan(n);
      }
    });
  }

  /** Whether {@code vlanId} can name a segment in some mode: a number 1..32767 (the widest range). */
  static boolean inAnyMode(String vlanId) {
    String v = vlanId.strip();
    return v.matches("\\d{1,5}") && Integer.parseInt(v) >= 1 && Integer.parseInt(v) <= MAX_PARTITION;
  }

  /**
   * What a recorded key asks for again (restore, migration): the default partition for none or a
   * default key, blocked for {@link Pkey#BLOCKED}, else the key's partition.
   */
  static Segment recorded(Optional<Pkey> recorded) {
    if (recorded.isEmpty() || recorded.get().partition() == MAX_PARTITION) {
      return UNTAGGED;
    }
    return recorded.get().equals(Pkey.BLOCKED) ? new Blocked() : new Partition(recorded.get().partition());
  }

  /** The Ethernet VLAN tag, when this is one. */
  default java.util.OptionalInt vlanTag() {
    return this instanceof Vlan v ? java.util.OptionalInt.of(v.id()) : java.util.OptionalInt.empty();
  }

  /** The stored and printed form: {@code untagged}, {@code vlan 42}, {@code partition 20000}, {@code blocked}. */
  default String text() {
    if (this instanceof Vlan v) {
      return "vlan " + v.id();
    }
    if (this instanceof Partition p) {
      return "partition " + p.number();
    }
    return this instanceof Blocked ? "blocked" : "untagged";
  }

  /** Inverse of {@link #text()}. */
  static Segment parse(String text) {
    String[] f = text.split(" ", -1);
    try {
      if (f.length == 1 && f[0].equals("untagged")) {
        return UNTAGGED;
      }
      if (f.length == 1 && f[0].equals("blocked")) {
        return new Blocked();
      }
      if (f.length == 2 && f[1].matches("\\d{1,5}") && f[0].equals("vlan")) {
        return new Vlan(Integer.parseInt(f[1]));
      }
      if (f.length == 2 && f[1].matches("\\d{1,5}") && f[0].equals("partition")) {
        return new Partition(Integer.parseInt(f[1]));
      }
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("'" + text + "': " + e.getMessage(), e);
    }
    throw new IllegalArgumentException("'" + text + "' is not a segment (untagged, vlan N, partition N, blocked)");
  }
}
