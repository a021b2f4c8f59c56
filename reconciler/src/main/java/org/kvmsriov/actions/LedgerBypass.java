package org.kvmsriov.actions;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.kvmsriov.xml.DomainXml;
import org.kvmsriov.config.InvalidInputException;
import org.kvmsriov.model.HostState;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.PfName;
import org.kvmsriov.model.PfSpec;
import org.kvmsriov.port.FabricView;
import org.kvmsriov.port.PciHostdev;
import org.kvmsriov.xml.SafeXml;

/**
 * The ledger is the only way to a VF: a deployment file that already passes a VF of a declared PF
 * through (OpenNebula's RAW section can add any {@code <hostdev>} or {@code <interface
 * type='hostdev'>}) would take it behind the ledger's back, perhaps from a VM it is leased to.
 */
final class LedgerBypass {

  private LedgerBypass() {}

  /**
   * @throws InvalidInputException naming each such VF and its PF; nothing has been touched yet
   */
  static void refuse(String deploymentXml, HostState host, FabricView fabric) {
    Map<PciAddress, PfName> mapped = new HashMap<>();
    Map<PciAddress, PfName> pfs = new HashMap<>();
    for (PfSpec pf : host.pfs()) {
      try {
        fabric.vfMap(pf).forEach(vf -> mapped.put(vf, pf.name()));
        pfs.put(fabric.pfAddress(pf), pf.name());
      } catch (RuntimeException e) {
        // a PF sysfs does not show: its listed VFs still count, and deploy reports the PF itself
        if (pf.vfs() instanceof org.kvmsriov.model.VfSource.Listed l) {
          l.addresses().forEach(vf -> mapped.put(vf, pf.name()));
        }
      }
    }
    Set<String> found = new java.util.LinkedHashSet<>();
    Set<PciAddress> seen = new HashSet<>();
    for (PciHostdev h : DomainXml.of(SafeXml.parse(deploymentXml, "deployment file")).pciHostdevs()) {
      if (!seen.add(h.source())) {
        continue;
      }
      Optional<PfName> pf = Optional.ofNullable(mapped.get(h.source())).or(() -> physfn(fabric, h.source()).map(pfs::get));
      pf.ifPresent(p -> found.add("VF " + h.source() + " of " + p));
    }
    if (!found.isEmpty()) {
      throw new InvalidInputException("deployment file refused: it already passes " + String.join(", ", found)
          + " through as a hostdev (a RAW section?); VFs of declared PFs reach a VM only as a NIC on bridge"
          + " sriov_<pf>, through the ledger");
    }
  }

  private static Optional<PciAddress> physfn(FabricView fabric, PciAddress device) {
    try {
      return fabric.physfn(device);
    } catch (RuntimeException e) {
      return Optional.empty(); // not a device this host has: not one of our VFs
    }
  }
}
