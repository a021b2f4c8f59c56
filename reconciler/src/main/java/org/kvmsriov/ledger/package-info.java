/**
 * The file ledger: {@link org.kvmsriov.ledger.FileLedger} implements {@link org.kvmsriov.port.Ledger}
 * in one directory ({@code --ledger-dir}, default {@code /var/lib/kvm-sriov}).
 *
 * <pre>
 * &lt;dir&gt;/lock                 flock'ed (FileChannel.lock) by the one session that may write
 * &lt;dir&gt;/leases.json          the state (LedgerCodec, "version": 1)
 * &lt;dir&gt;/leases.json.*.tmp    a commit in progress; a leftover one is a crash's, deleted on open
 * </pre>
 *
 * A commit writes the temporary file, fsyncs it, renames it over {@code leases.json} and fsyncs
 * the directory ({@link org.kvmsriov.ledger.WriteStep}). A {@code leases.json} that does not
 * parse or validate is reported and never overwritten.
 */
package org.kvmsriov.ledger;
