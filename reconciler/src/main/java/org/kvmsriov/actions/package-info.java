/**
 * OpenNebula's calls on this host, served by {@link org.kvmsriov.actions.DriverService} in
 * whatever process hosts it: a CLI process per call today, the resident daemon as well.
 *
 * <p>Every VMM action is <em>intent + one call + a scoped pass</em>: it validates its input,
 * records what it wants in the ledger (a reservation, a parked NIC, a {@code MIGRATING_IN}
 * lease, a lease to detach or release, owned by the request), makes the one hypervisor call
 * only it can make (create, save, restore, migrate, shutdown, destroy) and lets {@link
 * org.kvmsriov.engine.Engine#settle} do every VF-level effect for that VM through the planner
 * and the executor. One class per family: {@code Deploy}, {@code Lifecycle} (shutdown, cancel),
 * {@code SaveRestore}, {@code Migration} (source and destination), {@code Hotplug} (attach_nic,
 * detach_nic), {@code NetworkSteps} (the sriov_partition network driver).
 *
 * <p>A deploy, followed through the rooms: {@code cli.DriverCommand} parses argv and hands the
 * call to the service; {@code opennebula.DriverRequest} parses the action's argv and {@code
 * opennebula.DeploymentFile} the XML on stdin; {@code Deploy} reserves one lease per SR-IOV NIC
 * (identity MAC, GUID, the VLAN or partition from the template kept by the network driver's
 * {@code pre}, the device alias) and commits it; {@code Engine.settle} observes, the planner plans
 * {@code ProgramGuid} and {@code MapPkey} for those reserved leases and the executor writes them
 * through the {@code FabricView} port; {@code Deploy} rewrites the deployment file atomically and
 * calls {@code Hypervisor.create}; a second settle confirms the leases as the domain now holds
 * their VFs. Anything that fails on the way marks the leases {@code RELEASING} and one more
 * settle resets and frees them.
 */
package org.kvmsriov.actions;
