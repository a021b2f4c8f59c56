package org.kvmsriov.model;

/**
 * The identity kvm-sriov derives for the {@code position}-th SR-IOV NIC of a VM: the one contract
 * the host (deploy) and the guest hook ({@code guest/one-context.d/loc-10-network-sriov}) share.
 *
 * <p>Layout kept from the add-on for compatibility: dummy MAC {@code <prefix>:<pos>:o3:o4:o5:o6},
 * GUID {@code 00:00:<prefix>:<pos>:o3:o4:o5:o6}, where o3..o6 are the last four octets of the
 * NIC's OpenNebula MAC. Unlike the add-on, {@code <pos>} is always one valid octet (00..ff).
 *
 * @param prefix the host's SR-IOV MAC prefix
 * @param position index of the NIC among the VM's SR-IOV NICs, in NIC order, from 0
 * @param nicMac the MAC OpenNebula gave the NIC
 */
public record SriovIdentity(MacPrefix prefix, int position, MacAddress nicMac) {

  public static final int MAX_POSITION = 0xff;

  public SriovIdentity {
    if (position < 0 || position > MAX_POSITION) {
      throw new IllegalArgumentException(
          "a VM can have at most " + (MAX_POSITION + 1) + " SR-IOV NICs (position " + position + ")");
    }
  }

  /** The MAC of the dummy NIC (generic mode) that carries this NIC's identity into the guest. */
  public MacAddress dummyMac() {
    return new MacAddress(((long) prefix.octet() << 40) | ((long) position << 32) | nicMac.lowFourOctets());
  }

  /** The VF GUID (mlnx_ofed2 mode): the dummy MAC behind two zero octets. */
  public Guid guid() {
    return new Guid(dummyMac().value());
  }
}
