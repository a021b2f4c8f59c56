package org.kvmsriov.cli;

import org.kvmsriov.port.Hypervisor;
import org.kvmsriov.port.HypervisorException;

/** How a command reaches libvirt: a URI in, a connected {@link Hypervisor} out (closed by the caller). */
@FunctionalInterface
public interface HypervisorConnector {

  /**
   * Connects.
   *
   * @throws HypervisorException when libvirt cannot be reached
   */
  Hypervisor connect(String uri);

  /**
   * The production connector: the one place the libvirt adapter is wired in. Until the adapter
   * ({@code org.kvmsriov.adapters.libvirt}) is part of the build it refuses to connect rather than
   * pretend that no domain holds any VF.
   */
  static HypervisorConnector libvirt() {
    return uri -> {
      throw new HypervisorException("cannot connect to " + uri
          + ": no libvirt adapter is wired into this build yet (HypervisorConnector.libvirt())");
    };
  }
}
