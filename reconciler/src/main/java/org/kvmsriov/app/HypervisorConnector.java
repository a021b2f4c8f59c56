package org.kvmsriov.app;

import org.kvmsriov.adapters.libvirt.LibvirtHypervisor;
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

  /** The production connector: libvirt-java ({@link LibvirtHypervisor}); the one place it is wired in. */
  static HypervisorConnector libvirt() {
    return LibvirtHypervisor::open;
  }
}
