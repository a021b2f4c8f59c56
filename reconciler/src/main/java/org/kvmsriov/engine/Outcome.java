package org.kvmsriov.engine;

import org.kvmsriov.plan.Action;

/**
 * What became of one action.
 *
 * @param action the action
 * @param status done, failed, or reported (nothing to do but tell)
 * @param detail why it failed, empty otherwise
 */
public record Outcome(Action action, Status status, String detail) {

  public enum Status {
    DONE, FAILED, REPORTED
  }

  public boolean failed() {
    return status == Status.FAILED;
  }
}
