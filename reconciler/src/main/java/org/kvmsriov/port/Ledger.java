package org.kvmsriov.port;

import java.time.Duration;

/**
 * The VF lease ledger: who holds which VF, and the identities of parked NICs. One writer at a
 * time across processes; every commit is all-or-nothing even across a crash.
 *
 * <pre>
 * try (LedgerSession s = ledger.open(Duration.ofSeconds(30))) {
 *   LedgerState st = s.state();
 *   s.commit(st.with(lease));
 * }
 * </pre>
 *
 * A ledger whose stored form is not valid is never overwritten: {@link #open} and {@link
 * #snapshot} refuse it with {@link org.kvmsriov.config.InvalidInputException} naming the file and
 * the problem, and leave it for the operator.
 */
public interface Ledger {

  /**
   * Waits up to {@code lockTimeout} for exclusive use and reads the current state.
   *
   * @throws LedgerException when the lock was not obtained in time or the ledger cannot be read
   */
  LedgerSession open(Duration lockTimeout);

  /**
   * The last committed state, read without waiting for the lock (commits replace the file
   * atomically, so a reader sees one whole state). For reports; decisions use {@link #open}.
   */
  LedgerState snapshot();
}
