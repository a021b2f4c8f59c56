/**
 * OpenNebula's side of a host: its stock kvm scripts and datastore hooks, run with the caller's
 * argv, stdin, environment and streams; the VM templates the network driver's {@code pre} keeps.
 */
package org.kvmsriov.adapters.opennebula;
