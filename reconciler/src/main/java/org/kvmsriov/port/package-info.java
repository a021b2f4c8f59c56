/**
 * Ports: the small interfaces through which the engine reaches the outside world — {@link
 * org.kvmsriov.port.Hypervisor} (libvirt), {@code Fabric} (sysfs: VFs, GUIDs, pkeys) and {@code
 * Ledger} (VF leases). Adapters live in {@code org.kvmsriov.adapters.*} and {@code
 * org.kvmsriov.ledger}; nothing in {@code model}, {@code plan} or {@code port} does I/O.
 */
package org.kvmsriov.port;
