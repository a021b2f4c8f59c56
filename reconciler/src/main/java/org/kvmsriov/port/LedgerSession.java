package org.kvmsriov.port;

/**
 * Exclusive use of the ledger, from {@link Ledger#open} until {@link #close()}: no other process
 * (or thread) can open a session meanwhile, so read-decide-commit is atomic.
 */
public interface LedgerSession extends AutoCloseable {

  /** The state as of the last commit (of this session, or before it was opened). */
  LedgerState state();

  /**
   * Makes {@code next} the ledger's state, durably: when this returns, a crash of the process or
   * the host leaves {@code next}; when it throws, the previous state is intact.
   *
   * @throws LedgerException when the state could not be written
   */
  void commit(LedgerState next);

  /** Gives up exclusive use. Uncommitted decisions are simply dropped. */
  @Override
  void close();
}
