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
 * DETACHING      a request (save) wants the VF out of its running domain, the lease kept
 * RELEASING      a request (shutdown, cancel, detach_nic, a failed action) gives the VF back:
 *                detached if a domain still holds it, then released at once
 * MIGRATED       the domain has moved to another host, its NICs' identities with it: the VF is
 *                released here as with RELEASING, but the GUID's partition membership is now
 *                the destination's (same GUID, same fabric), so the subnet manager is not touched
 * </pre>
 *
 * <p>{@code MIGRATING_OUT}, {@code DETACHING} and {@code RELEASING} are a request's intent: the
 * engine acts on them while the request that set them ({@link Lease#owner()}) is alive; when it
 * died, a VF its domain still holds is kept ({@code ATTACHED} again) and one it does not hold is
 * re-attached ({@code DETACHING}, {@code MIGRATING_OUT}) or released ({@code RELEASING},
 * {@code MIGRATED}).
 */
public enum LeaseState {
  RESERVED,
  ATTACHED,
  MIGRATING_OUT,
  MIGRATING_IN,
  DETACHING,
  RELEASING,
  MIGRATED;

  /** A request's intent to take the VF away from its domain (see the class comment). */
  public boolean isLeaving() {
    return this == MIGRATING_OUT || this == DETACHING || this == RELEASING || this == MIGRATED;
  }

  /** The request is done with the VF: it is released once no domain holds it. */
  public boolean isGivenBack() {
    return this == RELEASING || this == MIGRATED;
  }

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
    throw new IllegalArgumentException("'" + text + "' is not a lease state (reserved, attached, migrating_out, migrating_in,"
        + " detaching, releasing, migrated)");
  }
}
