package org.kvmsriov.legacy;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.kvmsriov.config.InvalidInputException;
import org.kvmsriov.model.Guid;
import org.kvmsriov.model.Mode;
import org.kvmsriov.model.PfSpec;
import org.kvmsriov.port.HistoryEntry;
import org.kvmsriov.port.Lease;
import org.kvmsriov.port.LeaseOwner;
import org.kvmsriov.port.LeaseState;
import org.kvmsriov.port.LedgerState;

/**
 * Turns the add-on's lock files into leases ({@code import-legacy --adopt}). Pure: the caller
 * holds the ledger session and commits the result.
 *
 * <p>The add-on's lock files say <em>that</em> a VF was in use, never by which VM. An adopted
 * lease is therefore {@link LeaseState#RESERVED}, with no domain and owner {@link
 * LeaseOwner.Imported} (the lock file): "held, holder not yet identified". The reconciler matches
 * it against libvirt's running domains — a domain whose hostdevs hold the VF becomes the lease's
 * domain and the lease {@code attached}; with none past the stale-lease grace it is released. In
 * mlnx_ofed2 mode the file held the dummy MAC, and the add-on had programmed the GUID derived from
 * it (the MAC behind two zero octets), so both are recorded.
 */
public final class LegacyAdoption {

  private LegacyAdoption() {}

  /** Some of the VFs to adopt are leased already; nothing was adopted. */
  public static final class AlreadyLeasedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    AlreadyLeasedException(String message) {
      super(message);
    }
  }

  /**
   * @param current the ledger now
   * @param imported what {@link LegacyImport#read} found
   * @param lockDir the lock folder the locks came from
   * @param now the adoption time
   * @return {@code current} plus one lease and one history entry per lock
   * @throws AlreadyLeasedException listing every lock whose VF (or PF and index) has a lease
   */
  public static LedgerState adopt(LedgerState current, LegacyImport.Result imported, Path lockDir, Instant now) {
    List<String> conflicts = new ArrayList<>();
    for (LegacyLock l : imported.locks()) {
      current.leaseOfVf(l.vf()).or(() -> current.leaseOfIndex(l.pf(), l.index())).ifPresent(have ->
          conflicts.add(l.pf() + " VF " + l.index() + " (" + l.vf() + "): leased to "
              + have.domain().orElse("an unidentified domain") + " (" + have.state().jsonName() + ") as "
              + have.pf() + " VF " + have.vfIndex()));
    }
    if (!conflicts.isEmpty()) {
      throw new AlreadyLeasedException("the ledger already has leases for VFs the add-on locked; nothing adopted:\n  "
          + String.join("\n  ", conflicts));
    }
    LedgerState next = current;
    try {
      for (LegacyLock l : imported.locks()) {
        boolean ofed = imported.host().pf(l.pf()).map(PfSpec::mode).filter(m -> m instanceof Mode.MlnxOfed2)
            .isPresent();
        Optional<Guid> guid = ofed ? l.mac().map(m -> new Guid(m.value())) : Optional.empty();
        String source = lockDir.resolve(l.pf().value()).resolve(Integer.toString(l.index())).toString();
        Lease lease = new Lease(l.pf(), l.vf(), l.index(), Optional.empty(), OptionalInt.empty(), l.mac(), guid,
            Optional.empty(), Optional.empty(), LeaseState.RESERVED, new LeaseOwner.Imported(source), now, now);
        next = next.with(lease).record(new HistoryEntry(now, "adopt", lease.key(), "",
            "adopted from the add-on's lock file " + source));
      }
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("import-legacy --adopt: " + e.getMessage() + "; nothing adopted");
    }
    return next;
  }
}
