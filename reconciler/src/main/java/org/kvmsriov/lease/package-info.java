/**
 * Pure lease logic, no I/O: which VF to lease ({@link org.kvmsriov.lease.LeaseAllocator}) and how
 * leases, the VF maps and libvirt's view compare ({@link org.kvmsriov.lease.VfUsageReport}).
 * Callers read the ledger, sysfs and libvirt, pass the values in, and act on the result.
 */
package org.kvmsriov.lease;
