package org.kvmsriov.opennebula;

import org.kvmsriov.model.MacAddress;
import org.kvmsriov.model.PfName;
import org.w3c.dom.Element;

/**
 * An {@code <interface>} of a deployment file whose source bridge is {@code sriov_<pf>}.
 *
 * @param position index among the VM's SR-IOV NICs in document (= NIC) order, from 0
 * @param pf the PF the bridge names
 * @param mac the MAC OpenNebula gave the NIC
 * @param element the interface element in the parsed document
 */
public record SriovNic(int position, PfName pf, MacAddress mac, Element element) {

  /** libvirt user alias of the VF hostdev that replaces this NIC ({@code ua-} prefix required). */
  public String alias() {
    return aliasFor(position);
  }

  public static String aliasFor(int position) {
    return "ua-sriov-" + position;
  }

  /** The position an alias of {@link #aliasFor} names; empty for any other alias. */
  public static java.util.OptionalInt positionOf(String alias) {
    return alias.matches("ua-sriov-\\d{1,3}")
        ? java.util.OptionalInt.of(Integer.parseInt(alias.substring("ua-sriov-".length())))
        : java.util.OptionalInt.empty();
  }
}
