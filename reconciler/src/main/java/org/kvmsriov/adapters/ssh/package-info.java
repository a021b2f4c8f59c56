/** kvm-sriov on another host, reached as OpenNebula reaches hosts: ssh, then the same sudo rule. */
package org.kvmsriov.adapters.ssh;
