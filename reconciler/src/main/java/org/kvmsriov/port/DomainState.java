package org.kvmsriov.port;

/** libvirt's domain states, as far as kvm-sriov cares. */
public enum DomainState {
  RUNNING, BLOCKED, PAUSED, SHUTDOWN, SHUTOFF, CRASHED, PMSUSPENDED, NOSTATE
}
