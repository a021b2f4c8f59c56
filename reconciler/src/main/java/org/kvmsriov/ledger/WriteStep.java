package org.kvmsriov.ledger;

/**
 * The steps of {@link FileLedger}, in order. A crash after any of them leaves the old state (up to
 * {@link #TEMP_SYNCED}) or the new one (from {@link #RENAMED}), never a mix.
 */
public enum WriteStep {
  /** The lock is held and the state read; nothing written yet. */
  LOCKED,
  /** An empty temporary file exists beside {@code leases.json}. */
  TEMP_CREATED,
  /** The new state is in the temporary file, perhaps only in the page cache. */
  TEMP_WRITTEN,
  /** The temporary file's data is on disk ({@code fsync}). */
  TEMP_SYNCED,
  /** The temporary file has atomically replaced {@code leases.json}. */
  RENAMED,
  /** The directory entry is on disk too: the commit survives a power cut. */
  DIRECTORY_SYNCED
}
