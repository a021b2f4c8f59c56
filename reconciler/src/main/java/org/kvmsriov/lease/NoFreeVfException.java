package org.kvmsriov.lease;

import org.kvmsriov.model.PfName;

/** Every VF of a PF is leased or in use. The operation failed; nothing was changed. */
public class NoFreeVfException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public NoFreeVfException(PfName pf) {
    super("no free VF on " + pf);
  }
}
