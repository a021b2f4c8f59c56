package org.kvmsriov.opennebula;

import java.util.OptionalInt;
import org.kvmsriov.model.Mode;
import org.kvmsriov.model.PciAddress;

/**
 * The VF leased for one SR-IOV NIC, and how to present it.
 *
 * @param nic the NIC in the deployment file
 * @param vf the VF's host PCI address
 * @param mode the PF's mode
 * @param vlanId the NIC's VLAN_ID, for ethernet mode's {@code <vlan>} (empty: untagged)
 */
public record VfBinding(SriovNic nic, PciAddress vf, Mode mode, OptionalInt vlanId) {}
