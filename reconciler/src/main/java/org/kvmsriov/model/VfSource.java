package org.kvmsriov.model;

import java.util.List;

/**
 * Where a PF's VF map comes from.
 *
 * <pre>
 * VfSource = Listed(List&lt;PciAddress&gt;)   the operator's list; list index = VF index
 *          | Discover                      the PF's virtfnN links in sysfs, ordered by N
 * </pre>
 */
public sealed interface VfSource permits VfSource.Listed, VfSource.Discover {

  record Listed(List<PciAddress> addresses) implements VfSource {
    public Listed {
      addresses = List.copyOf(addresses);
    }
  }

  record Discover() implements VfSource {}
}
