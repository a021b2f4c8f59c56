package org.kvmsriov.engine;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.kvmsriov.model.HostState;
import org.kvmsriov.port.FabricView;
import org.kvmsriov.port.Hypervisor;
import org.kvmsriov.port.Ledger;
import org.kvmsriov.port.Owners;
import org.kvmsriov.port.SubnetManager;

/**
 * Everything the engine works with, passed in: nothing below the CLI reads the environment,
 * the process's streams or a global. One composition root builds it for the CLI and the daemon.
 *
 * @param desired host.yaml, validated
 * @param hypervisor libvirt
 * @param fabric sysfs (VFs, GUIDs, pkeys)
 * @param ledger the leases
 * @param owners who takes leases, and whether they still run
 * @param clock the time leases and passes are stamped with
 * @param detachTimeout how long a detach waits for the guest to let a device go
 * @param subnetManagers host.yaml's subnet managers by name (partition membership on mlx5)
 */
public record EngineContext(HostState desired, Hypervisor hypervisor, FabricView fabric, Ledger ledger, Owners owners,
    Clock clock, Duration detachTimeout, Map<String, SubnetManager> subnetManagers) {

  /** A guest OS acks an ACPI unplug within seconds; 30 s covers a loaded TCG guest. */
  public static final Duration DEFAULT_DETACH_TIMEOUT = Duration.ofSeconds(30);

  public EngineContext {
    Objects.requireNonNull(desired, "desired");
    Objects.requireNonNull(hypervisor, "hypervisor");
    Objects.requireNonNull(fabric, "fabric");
    Objects.requireNonNull(ledger, "ledger");
    Objects.requireNonNull(owners, "owners");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(detachTimeout, "detachTimeout");
    subnetManagers = Map.copyOf(subnetManagers);
  }

  /** A host without subnet managers. */
  public EngineContext(HostState desired, Hypervisor hypervisor, FabricView fabric, Ledger ledger, Owners owners,
      Clock clock, Duration detachTimeout) {
    this(desired, hypervisor, fabric, ledger, owners, clock, detachTimeout, Map.of());
  }
}
