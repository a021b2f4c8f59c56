/**
 * Adapters implement the ports against the real world: {@code libvirt} (libvirt-java over JNA),
 * {@code sysfs} and {@code netlink} (VFs, GUIDs, pkeys), {@code ssh} (kvm-sriov on other hosts),
 * {@code opennebula} (stock scripts, the template store). No adapter knows the engine, the
 * planner or the actions (an architecture test keeps it so).
 */
package org.kvmsriov.adapters;
