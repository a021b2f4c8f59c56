package org.kvmsriov.model;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The validated desired state of one host: what {@code host.yaml} declares.
 *
 * @param libvirtUri libvirt connection, or empty for the default ({@code qemu:///system})
 * @param driver settings the add-on kept in {@code kvmrc}
 * @param reconcile reconciler timings
 * @param pfs the physical functions, in file order
 * @param subnetManagers the subnet managers PFs name, in file order
 */
public record HostState(Optional<String> libvirtUri, DriverSettings driver, ReconcileSettings reconcile,
    List<PfSpec> pfs, List<SubnetManagerSpec> subnetManagers) {

  public static final int VERSION = 1;
  public static final String DEFAULT_LIBVIRT_URI = "qemu:///system";

  public HostState {
    pfs = List.copyOf(pfs);
    subnetManagers = List.copyOf(subnetManagers);
  }

  /** A host without subnet managers. */
  public HostState(Optional<String> libvirtUri, DriverSettings driver, ReconcileSettings reconcile,
      List<PfSpec> pfs) {
    this(libvirtUri, driver, reconcile, pfs, List.of());
  }

  /** The subnet manager {@code pf} names, if any. */
  public Optional<SubnetManagerSpec> subnetManager(PfSpec pf) {
    return pf.subnetManager().flatMap(n -> subnetManagers.stream().filter(s -> s.name().equals(n)).findFirst());
  }

  public Optional<PfSpec> pf(PfName name) {
    return pfs.stream().filter(p -> p.name().equals(name)).findFirst();
  }

  /**
   * Driver-wide settings.
   *
   * @param dummyBridge bridge for generic mode's dummy NICs
   * @param dummyBridgeOvs true when that bridge is an Open vSwitch bridge
   * @param macPrefix marks MACs and GUIDs of SR-IOV NICs
   * @param hpc HPC mode
   */
  public record DriverSettings(String dummyBridge, boolean dummyBridgeOvs, MacPrefix macPrefix, Hpc hpc) {}

  /**
   * HPC mode: hugepage backing, host CPU passthrough, NUMA awareness.
   *
   * @param enabled HPC_MODE=on
   * @param cpuPassthroughThreshold VMs with at least this many vCPUs get {@code host-passthrough}
   */
  public record Hpc(boolean enabled, int cpuPassthroughThreshold) {}

  /**
   * @param interval time between daemon passes
   * @param staleLeaseGrace how long a lease may lack its domain before it is released
   */
  public record ReconcileSettings(Duration interval, Duration staleLeaseGrace) {}
}
