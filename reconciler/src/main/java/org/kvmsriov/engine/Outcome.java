package org.kvmsriov.engine;

import org.kvmsriov.plan.Action;

/**
 * What became of one action.
 *
 * @param action the action
 * @param status done, failed, reported (nothing to do but tell), or waiting (a lease inside its
 *     grace period: the time it was first seen so recorded, nothing else done)
 * @param detail why it failed, empty otherwise
 */
public record Outcome(Action action, Status status, String detail) {

  public enum Status {
    DONE, FAILED, REPORTED, WAITING
  }

  public boolean failed() {
    return status == Status.FAILED;
  }
}
