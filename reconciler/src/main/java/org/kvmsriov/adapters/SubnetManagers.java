package org.kvmsriov.adapters;

import java.time.Duration;
import org.kvmsriov.adapters.opensm.OpenSmSubnetManager;
import org.kvmsriov.adapters.ufm.UfmSubnetManager;
import org.kvmsriov.model.SubnetManagerSpec;
import org.kvmsriov.port.SubnetManager;

/** The adapter for each kind of subnet manager host.yaml can name. */
public final class SubnetManagers {

  /** How long one exchange with an SM may take (ssh and the edit, or one HTTP request). */
  public static final Duration TIMEOUT = Duration.ofSeconds(30);

  private SubnetManagers() {}

  public static SubnetManager open(SubnetManagerSpec spec) {
    if (spec instanceof SubnetManagerSpec.OpenSm o) {
      return new OpenSmSubnetManager(o, TIMEOUT);
    }
    return new UfmSubnetManager((SubnetManagerSpec.Ufm) spec, TIMEOUT);
  }
}
