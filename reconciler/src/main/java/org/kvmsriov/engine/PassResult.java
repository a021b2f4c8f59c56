package org.kvmsriov.engine;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.kvmsriov.plan.Plan;

/**
 * What one pass planned and did, and when to look again. A pass never schedules itself: the
 * daemon or the caller acts on {@link #next}.
 *
 * @param plan the plan
 * @param outcomes one per action applied (empty for a dry run)
 * @param took wall time of the pass
 * @param next when the next pass should run: sooner than the interval when a lease's grace ends
 */
public record PassResult(Plan plan, List<Outcome> outcomes, Duration took, Optional<Duration> next) {
  public PassResult {
    outcomes = List.copyOf(outcomes);
  }

  public boolean failed() {
    return outcomes.stream().anyMatch(Outcome::failed);
  }

  public long count(Outcome.Status s) {
    return outcomes.stream().filter(o -> o.status() == s).count();
  }
}
