package org.kvmsriov.daemon;

import java.time.Duration;
import java.util.Optional;

/** One reconcile pass as the daemon runs it; returns when the next pass should come, if sooner. */
@FunctionalInterface
public interface PassRunner {

  /**
   * @return a delay shorter than the interval when the pass asks to look again sooner
   * @throws RuntimeException when the pass failed as a whole (logged; the schedule goes on)
   */
  Optional<Duration> runPass();
}
