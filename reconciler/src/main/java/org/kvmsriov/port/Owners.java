package org.kvmsriov.port;

/**
 * Who takes leases, and whether they still run: what lets a pass tell a reservation an action is
 * working on from one it abandoned when it died.
 */
public interface Owners {

  /** The owner a request served now records on the leases it takes or moves. */
  LeaseOwner current();

  /**
   * Whether {@code owner} still runs. Errs towards "alive" where it cannot tell: a live owner's
   * lease must never be taken away. Leases imported from the add-on have no process: alive.
   */
  boolean alive(LeaseOwner owner);
}
