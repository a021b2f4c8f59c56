package org.kvmsriov.plan;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * An ordered list of actions, and when the next pass should look again.
 *
 * @param actions what to do, in order; empty when converged
 * @param recheckAfter the soonest a waiting condition (a lease inside its grace period) changes
 */
public record Plan(List<Action> actions, Optional<Duration> recheckAfter) {
  public Plan {
    actions = List.copyOf(actions);
  }

  /** True when nothing needs doing; reports count, since they need a human. */
  public boolean converged() {
    return actions.isEmpty();
  }

  /** Only the actions concerning {@code domain} (a driver action's scope). */
  public Plan forDomain(String domain) {
    return new Plan(actions.stream().filter(a -> a.domain().map(domain::equals).orElse(false)).toList(),
        recheckAfter);
  }
}
