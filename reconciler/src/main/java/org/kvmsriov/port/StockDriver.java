package org.kvmsriov.port;

import java.io.OutputStream;
import java.util.List;
import java.util.Map;

/**
 * OpenNebula's own kvm scripts on this host, for actions where SR-IOV plays no part and for the
 * system datastore's save and restore hooks.
 */
public interface StockDriver {

  /**
   * Runs {@code script} exactly as OpenNebula would have: the same argv and stdin; its stdout
   * and stderr go to the caller's streams.
   *
   * @param script the script's name in the stock directory (an action, or {@code <action>.<TM_MAD>})
   * @param env the caller's environment
   * @return its exit code
   * @throws IllegalStateException when the script is missing
   */
  int run(String script, List<String> argv, byte[] stdin, OutputStream out, OutputStream err,
      Map<String, String> env);

  /** Whether the stock directory has {@code script}, executable (hooks are optional). */
  boolean has(String script);
}
