package org.kvmsriov.opennebula;

import java.util.Optional;
import org.kvmsriov.model.MacAddress;

/**
 * A NIC of an OpenNebula VM template, as network drivers and VMM actions see it.
 *
 * @param nicId NIC_ID
 * @param mac MAC
 * @param bridge BRIDGE ({@code sriov_<pf>} for ours)
 * @param vlanId VLAN_ID exactly as oned passed it (a free string oned does not check)
 * @param vnMad VN_MAD
 * @param attaching true for the NIC being hot-plugged ({@code ATTACH="YES"})
 */
public record VmNic(int nicId, MacAddress mac, String bridge, Optional<String> vlanId, String vnMad,
    boolean attaching) {}
