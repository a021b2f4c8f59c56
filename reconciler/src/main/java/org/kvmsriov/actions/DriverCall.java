package org.kvmsriov.actions;

import java.util.List;

/**
 * One call of OpenNebula's drivers on this host, as its argv says.
 *
 * <pre>
 * DriverCall = Vmm(action, args)     a VMM action: {@code kvm-sriov driver ACTION ARGS…}
 *            | Vnm(step, args)       a network-driver step: {@code kvm-sriov vnm STEP ARGS…}
 * </pre>
 */
public sealed interface DriverCall {

  List<String> args();

  record Vmm(String action, List<String> args) implements DriverCall {
    public Vmm {
      args = List.copyOf(args);
    }
  }

  record Vnm(String step, List<String> args) implements DriverCall {
    public Vnm {
      args = List.copyOf(args);
    }
  }
}
