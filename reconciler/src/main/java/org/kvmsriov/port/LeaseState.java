package org.kvmsriov.port;

import java.util.Locale;

/**
 * Where a lease is in its life. A closed set: a new state must be handled wherever leases are
 * judged (the reconciler, {@code status}).
 *
 * <pre>
 * RESERVED       taken before libvirt is asked for anything (or adopted, holder not yet seen)
 * ATTACHED       the VF is in the domain's XML
 * MIGRATING_OUT  the domain is leaving this host; the VF is held until the migration settles
 * MIGRATING_IN   taken on the destination for an incoming migration
 * </pre>
 */
public enum LeaseState {
  RESERVED,
  ATTACHED,
  MIGRATING_OUT,
  MIGRATING_IN;

  /** The ledger's spelling: {@code migrating_out}. */
  public String jsonName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Inverse of {@link #jsonName()}; throws {@link IllegalArgumentException} naming the choices. */
  public static LeaseState fromJson(String text) {
    for (LeaseState s : values()) {
      if (s.jsonName().equals(text)) {
        return s;
      }
    }
    throw new IllegalArgumentException("'" + text
        + "' is not a lease state (reserved, attached, migrating_out, migrating_in)");
  }
}
