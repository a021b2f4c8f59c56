package org.kvmsriov.model;

import java.util.Optional;

/**
 * The identity a lease records for the {@code position}-th SR-IOV NIC: the MAC that carries it
 * (dummy MAC in generic and mlnx_ofed2 modes, the NIC's own MAC in ethernet mode) and, for
 * InfiniBand, the GUID programmed from it.
 *
 * @param mac the identity MAC
 * @param guid the VF GUID (mlnx_ofed2 only)
 */
public record NicIdentity(MacAddress mac, Optional<Guid> guid) {

  public static NicIdentity of(HostState.DriverSettings driver, Mode mode, int position, MacAddress nicMac) {
    if (mode instanceof Mode.Ethernet) {
      return new NicIdentity(nicMac, Optional.empty());
    }
    SriovIdentity id = new SriovIdentity(driver.macPrefix(), position, nicMac);
    return new NicIdentity(id.dummyMac(), mode instanceof Mode.MlnxOfed2 ? Optional.of(id.guid()) : Optional.empty());
  }

  /** The identity of a NIC coming back (restore, incoming migration): the MAC it had, its GUID from it. */
  public static NicIdentity parked(Mode mode, MacAddress identityMac) {
    return new NicIdentity(identityMac, mode instanceof Mode.MlnxOfed2 ? Optional.of(new Guid(identityMac.value()))
        : Optional.empty());
  }

  /** Whether a lease's identity MAC belongs to the NIC whose OpenNebula MAC is {@code nicMac}. */
  public static boolean matches(MacAddress leaseMac, Mode mode, HostState.DriverSettings driver, MacAddress nicMac) {
    if (mode instanceof Mode.Ethernet) {
      return leaseMac.equals(nicMac);
    }
    return leaseMac.octet(0) == driver.macPrefix().octet() && leaseMac.lowFourOctets() == nicMac.lowFourOctets();
  }
}
