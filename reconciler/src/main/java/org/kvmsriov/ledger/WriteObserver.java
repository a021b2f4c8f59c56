package org.kvmsriov.ledger;

/**
 * Told when {@link FileLedger} has finished each {@link WriteStep}. Product code passes {@link
 * #NONE}; the crash tests pass one that stops the process at a chosen step, so the step it is
 * killed at is known rather than guessed from timing.
 */
@FunctionalInterface
public interface WriteObserver {

  /** Observes nothing. */
  WriteObserver NONE = step -> { };

  void reached(WriteStep step);
}
