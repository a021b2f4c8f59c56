package org.kvmsriov.actions;

import org.kvmsriov.opennebula.DriverRequest;
import org.kvmsriov.model.VmId;
import org.kvmsriov.port.LedgerState;

/**
 * What kvm-sriov holds for one VM on this host, by the ledger: VFs leased to its domain, and NICs
 * parked with its checkpoint. Where it holds neither, SR-IOV plays no part in migrate, save and
 * restore, and OpenNebula's stock kvm scripts do them — with what they do beyond libvirt, such as
 * the system datastore's {@code save.<tm>}/{@code restore.<tm>} hooks (ceph keeps checkpoints in
 * the cluster).
 *
 * @param holdsVfs some lease names the VM's domain
 * @param parkedNics some NIC of the VM's domain is parked (saved by kvm-sriov)
 */
record SriovFootprint(boolean holdsVfs, boolean parkedNics) {

  static SriovFootprint of(LedgerState st, int vmId) {
    String domain = new VmId(vmId).domain();
    return new SriovFootprint(!st.leasesOfDomain(domain).isEmpty(), !st.parkedOf(domain).isEmpty());
  }

  /** Whether {@code req} is the stock scripts' to run. */
  boolean leavesToStock(DriverRequest req) {
    if (req instanceof DriverRequest.Migrate || req instanceof DriverRequest.Save) {
      return !holdsVfs;
    }
    return req instanceof DriverRequest.Restore && !parkedNics;
  }
}
