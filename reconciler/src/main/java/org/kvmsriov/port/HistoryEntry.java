package org.kvmsriov.port;

import java.time.Instant;
import java.util.Objects;

/**
 * One operator-visible change to the ledger, kept for audit ({@code leases release --reason},
 * {@code import-legacy --adopt}). Not used for decisions.
 *
 * @param at when
 * @param action what happened ({@code release}, {@code force-release}, {@code adopt})
 * @param lease the PF and VF concerned
 * @param domain the domain the lease named, or empty text when none
 * @param reason why, in the operator's words
 */
public record HistoryEntry(Instant at, String action, LeaseKey lease, String domain, String reason) {

  /** Longest reason kept; an audit line, not a document. */
  public static final int MAX_REASON = 1000;

  public HistoryEntry {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(lease, "lease");
    Objects.requireNonNull(domain, "domain");
    if (action == null || !action.matches("[a-z][a-z-]{0,31}")) {
      throw new IllegalArgumentException("history action '" + action + "' is not a lower-case word");
    }
    checkReason(reason);
  }

  /** Refuses an empty, over-long or multi-line reason (it ends up in one log line). */
  public static void checkReason(String reason) {
    if (reason == null || reason.isBlank()) {
      throw new IllegalArgumentException("a reason is required and must not be blank");
    }
    if (reason.length() > MAX_REASON) {
      throw new IllegalArgumentException("the reason is longer than " + MAX_REASON + " characters");
    }
    if (reason.chars().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException("the reason must be one line without control characters");
    }
  }
}
