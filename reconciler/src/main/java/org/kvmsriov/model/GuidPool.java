package org.kvmsriov.model;

import java.util.List;

/**
 * Port GUIDs a PF's VFs may be given, for fabrics whose SM configuration is kept by hand (the
 * operator lists these GUIDs in the SM once, and kvm-sriov hands them out).
 *
 * <pre>
 * GuidPool = Listed(Guid+)            the GUIDs, in the order they are handed out
 *          | Range(first, last)       every GUID from first to last, inclusive (unsigned)
 * </pre>
 */
public sealed interface GuidPool permits GuidPool.Listed, GuidPool.Range {

  boolean contains(Guid guid);

  /** A GUID both pools contain, or null when they are disjoint. */
  Guid commonWith(GuidPool other);

  /** The first GUID of the pool not in {@code taken}, in hand-out order; empty when every one is. */
  java.util.Optional<Guid> firstFree(java.util.Set<Guid> taken);

  /** How many GUIDs the pool holds, for messages ({@code 2^64} is shown as {@link Long#MAX_VALUE}). */
  long size();

  record Listed(List<Guid> guids) implements GuidPool {
    public Listed {
      guids = List.copyOf(guids);
      if (guids.isEmpty()) {
        throw new IllegalArgumentException("a GUID pool lists at least one GUID");
      }
    }

    @Override
    public boolean contains(Guid guid) {
      return guids.contains(guid);
    }

    @Override
    public Guid commonWith(GuidPool other) {
      return guids.stream().filter(other::contains).findFirst().orElse(null);
    }

    @Override
    public java.util.Optional<Guid> firstFree(java.util.Set<Guid> taken) {
      return guids.stream().filter(g -> !taken.contains(g)).findFirst();
    }

    @Override
    public long size() {
      return guids.size();
    }
  }

  record Range(Guid first, Guid last) implements GuidPool {
    public Range {
      if (Long.compareUnsigned(first.value(), last.value()) > 0) {
        throw new IllegalArgumentException("GUID range " + first + " - " + last + " ends before it starts");
      }
    }

    @Override
    public boolean contains(Guid guid) {
      return Long.compareUnsigned(first.value(), guid.value()) <= 0
          && Long.compareUnsigned(guid.value(), last.value()) <= 0;
    }

    @Override
    public Guid commonWith(GuidPool other) {
      if (other instanceof Range r) {
        long lo = Long.compareUnsigned(first.value(), r.first.value()) >= 0 ? first.value() : r.first.value();
        long hi = Long.compareUnsigned(last.value(), r.last.value()) <= 0 ? last.value() : r.last.value();
        return Long.compareUnsigned(lo, hi) <= 0 ? new Guid(lo) : null;
      }
      return other.commonWith(this);
    }

    @Override
    public java.util.Optional<Guid> firstFree(java.util.Set<Guid> taken) {
      // every GUID skipped is in taken, so this looks at most taken.size() + 1 GUIDs
      for (long v = first.value(); ; v++) {
        Guid g = new Guid(v);
        if (!taken.contains(g)) {
          return java.util.Optional.of(g);
        }
        if (v == last.value()) {
          return java.util.Optional.empty();
        }
      }
    }

    @Override
    public long size() {
      long n = last.value() - first.value() + 1;
      return n <= 0 ? Long.MAX_VALUE : n;
    }
  }
}
