package org.kvmsriov.actions;

import org.kvmsriov.engine.Engine;
import org.kvmsriov.model.HostState;

/**
 * How a request reaches the engine. A CLI process loads host.yaml and connects to libvirt for its
 * one request and lets go after it; a daemon keeps both warm across requests. Stock actions and
 * the network driver's {@code pre} never need libvirt, so it is connected only when asked for.
 */
public interface Engines {

  /** The validated host.yaml. */
  HostState desired();

  /** The validated host.yaml, or empty when the host has none (yet). */
  java.util.Optional<HostState> declared();

  /** The engine, connected; closing the handle lets go of what this request opened. */
  Handle open();

  /** An engine for one request. */
  interface Handle extends AutoCloseable {
    Engine engine();

    @Override
    void close();
  }
}
