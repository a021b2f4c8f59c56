/**
 * Ports: the small interfaces through which the engine reaches the outside world — {@link
 * org.kvmsriov.port.Hypervisor} (libvirt), {@link org.kvmsriov.port.Fabric} (sysfs topology: VFs,
 * NUMA, drivers), {@link org.kvmsriov.port.InfinibandFabric} with its per-driver {@link
 * org.kvmsriov.port.GuidProgrammer} and {@link org.kvmsriov.port.PkeyMapper} strategies, {@link
 * org.kvmsriov.port.SubnetManager} (partition membership held by OpenSM or UFM, for mlx5),
 * {@code Ledger} (VF leases), {@link org.kvmsriov.port.FabricView} (what the engine needs of
 * the fabric per PF), {@link org.kvmsriov.port.Owners} (who holds leases, and whether they still
 * run), and the OpenNebula side: {@link org.kvmsriov.port.StockDriver}, {@link
 * org.kvmsriov.port.TemplateStore}, {@link org.kvmsriov.port.RemoteDriver}. Adapters live in
 * {@code org.kvmsriov.adapters.*} and {@code
 * org.kvmsriov.ledger}; nothing in {@code model}, {@code plan} or {@code port} does I/O.
 *
 * <p>The ledger's values live here with its port, so the engine needs no adapter to reason
 * about them:
 *
 * <pre>
 * LedgerState = leases: (PfName, PciAddress) -&gt; Lease, parked: ParkedNic*, history: HistoryEntry*
 * Lease       = pf, vf, vfIndex, domain?, vmId?, mac?, guid?, originalGuid?, pkey?, segment?,
 *               alias?, LeaseState, LeaseOwner, createdAt, updatedAt
 * LeaseOwner  = Process(pid, startTime?, bootId) | Imported(lock file)
 * </pre>
 */
package org.kvmsriov.port;
