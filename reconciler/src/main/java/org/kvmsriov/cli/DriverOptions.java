package org.kvmsriov.cli;

import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/** What serving a VMM action needs besides the host: the driver command's and the daemon's, alike. */
final class DriverOptions {

  @Option(names = "--stock-dir", paramLabel = "DIR", defaultValue = "${KVM_SRIOV_STOCK_DIR:-/var/tmp/one/vmm/kvm}",
      description = "OpenNebula's stock kvm remotes, for actions without SR-IOV work (env KVM_SRIOV_STOCK_DIR;"
          + " default: ${DEFAULT-VALUE}).")
  Path stockDir;

  @Option(names = "--shutdown-timeout", paramLabel = "SECONDS", defaultValue = "300",
      description = "How long shutdown waits before destroying (OpenNebula's SHUTDOWN_TIMEOUT; default ${DEFAULT-VALUE}).")
  long shutdownTimeout;

  Duration shutdownTimeout() {
    return Duration.ofSeconds(shutdownTimeout);
  }
}
