package org.kvmsriov.actions;

import java.util.Map;

/**
 * Who sent a request: the environment it runs in, as a value (stock scripts run with it; nothing
 * below the CLI reads the process's own).
 *
 * @param env the caller's environment variables
 */
public record Caller(Map<String, String> env) {
  public Caller {
    env = Map.copyOf(env);
  }
}
