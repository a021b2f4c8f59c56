package org.kvmsriov.adapters.libvirt;

import org.libvirt.Library;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * libvirt's default event loop, driven by one daemon thread per JVM.
 *
 * <p>It also silences libvirt's default error handler, which would print every error (even an
 * expected "Domain not found") to stderr — the channel OpenNebula reads driver failures from.
 * Errors still reach callers through libvirt's per-thread last error.
 *
 * <p>libvirt forces both to be process-global: {@code virEventRegisterDefaultImpl} installs the
 * loop for the whole process and must run before a connection is opened for that connection to
 * deliver events (and keepalives). It is started lazily, the first time a {@link
 * LibvirtHypervisor} is opened, and is never stopped: it idles in {@code poll()} when no
 * connection is open, and the daemon thread does not keep the JVM alive. Nothing else is shared.
 */
final class EventLoop {

  private static final Logger LOG = LoggerFactory.getLogger(EventLoop.class);
  private static Thread thread;
  // strong reference: libvirt keeps calling it for the life of the process
  private static final LibvirtNative.ErrorFunc QUIET = (userData, error) -> { };

  private EventLoop() {}

  /** Registers the default event implementation and starts its thread, once per JVM. */
  static synchronized void ensureRunning() {
    if (thread != null) {
      return;
    }
    LibvirtNative.INSTANCE.virSetErrorFunc(null, QUIET);
    try {
      Library.initEventLoop();
    } catch (LibvirtException e) {
      throw new org.kvmsriov.port.HypervisorException(
          "cannot start libvirt's event loop: " + e.getMessage(), e);
    }
    Thread t = new Thread(EventLoop::run, "libvirt-event-loop");
    t.setDaemon(true);
    t.start();
    thread = t;
  }

  private static void run() {
    while (true) {
      try {
        Library.runEventLoop();
      } catch (InterruptedException e) {
        return;
      } catch (LibvirtException e) {
        // one failed iteration (e.g. a poll() error) must not end event delivery for the JVM
        LOG.warn("libvirt event loop: {}", e.getMessage());
      }
    }
  }
}
