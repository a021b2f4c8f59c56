/**
 * Pure planning: from what is desired and what is observed, an ordered list of actions.
 *
 * <pre>
 * Plan   = Action*                                   (releases, confirmations and adoptions,
 *                                                      re-attachments, programming, reports)
 * Action = ReleaseStaleLease(Lease, reason)
 *        | ConfirmLease(Lease, domain)
 *        | AdoptUntrackedVf(pf, index, vf, domain)
 *        | ReattachVf(Lease)
 *        | RestoreParkedNic(ParkedNic, index, vf)
 *        | ProgramGuid(Lease, guid, observed)
 *        | MapPkey(Lease, pkey, physicalIndex, observed)
 *        | BlockPartition(Lease, reason, observed)
 *        | JoinPartition(Lease, subnetManager, pkey)
 *        | LeavePartition(subnetManager, pkey, guid, domain?, reason)
 *        | AwaitGrace(Lease, since, left, why)     (a lease without its domain, inside its grace)
 *        | EndGrace(Lease, reason)                 (its domain holds it again: the wait is over)
 *        | Report(kind, domain?, message)
 * </pre>
 *
 * <p>A pass may also carry a {@link org.kvmsriov.plan.VmNotice} from OpenNebula's network driver
 * about one VM: the partitions its NICs ask for ({@code post}) or the NICs it let go
 * ({@code clean}).
 *
 * <p>Nothing here does I/O or reads a clock: the {@link org.kvmsriov.plan.Observation} carries
 * "now". Running the planner twice on the same observation gives the same plan.
 */
package org.kvmsriov.plan;
