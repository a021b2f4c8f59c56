/**
 * Values with their rules, and no I/O: PCI addresses, GUIDs, pkeys, MACs, PF names, the VM id
 * and its domain name ({@link org.kvmsriov.model.VmId}), the one VLAN/partition type ({@link
 * org.kvmsriov.model.Segment}), a NIC's SR-IOV identity, and the validated host.yaml ({@link
 * org.kvmsriov.model.HostState}). Modes are a sealed set dispatched through a visitor, so a new
 * mode breaks the build wherever it must be handled.
 */
package org.kvmsriov.model;
