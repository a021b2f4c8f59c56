/**
 * kvm-sriov: SR-IOV virtual functions for OpenNebula's KVM virtual machines, kept correct by a
 * reconciler. The rooms, from the outside in:
 *
 * <pre>
 * cli          picocli commands: parse argv, call the service or the engine, print; only here
 *              are the process's environment, streams and exit code touched
 * app          the composition root: adapters chosen, engine and driver service assembled
 * actions      the OpenNebula VMM actions and network-driver steps (DriverService), one class
 *              per family: intent in the ledger + the one hypervisor call + a scoped engine pass
 * engine       observe → plan → apply; the Executor is the only code that changes a VF
 * plan         the pure planner and its actions
 * opennebula   OpenNebula's wire formats: deployment file, VM template, checkpoint XML, argv
 * port         the interfaces the engine and the actions reach the world through
 * adapters     libvirt, sysfs, netlink, ssh, OpenNebula's stock scripts and template store
 * ledger       the file ledger (a port's adapter with its own crash tests)
 * model, config, io, xml, lease, legacy   values, host.yaml, atomic files, safe XML, VF choice,
 *              the add-on's files
 * </pre>
 */
package org.kvmsriov;
