package org.kvmsriov.lease;

import org.kvmsriov.model.PfName;

/** Every GUID of a PF's GUID pool is leased. The operation failed; nothing was changed. */
public class NoFreeGuidException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public NoFreeGuidException(PfName pf, long poolSize) {
    super("no free GUID in the GUID pool of " + pf + ": all " + poolSize + " are leased"
        + " (add GUIDs to pfs." + pf + ".guid_pool, and to the subnet manager's configuration)");
  }
}
