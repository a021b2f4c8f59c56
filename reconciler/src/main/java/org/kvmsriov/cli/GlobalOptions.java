package org.kvmsriov.cli;

import org.kvmsriov.app.Wiring;
import java.nio.file.Path;
import java.util.Optional;
import org.kvmsriov.model.HostState;
import picocli.CommandLine.Option;

/** Options every command shares: flag, then environment, then default. */
public final class GlobalOptions {

  @Option(names = "--state", paramLabel = "FILE",
      defaultValue = "${KVM_SRIOV_STATE:-/etc/kvm-sriov/host.yaml}",
      description = "Host desired-state file (env KVM_SRIOV_STATE; default: ${DEFAULT-VALUE}).")
  Path state;

  @Option(names = "--ledger-dir", paramLabel = "DIR",
      defaultValue = "${KVM_SRIOV_LEDGER_DIR:-/var/lib/kvm-sriov}",
      description = "VF lease ledger directory (env KVM_SRIOV_LEDGER_DIR; default: ${DEFAULT-VALUE}).")
  Path ledgerDir;

  @Option(names = "--sysfs-root", paramLabel = "DIR",
      defaultValue = "${KVM_SRIOV_SYSFS_ROOT:-/}",
      description = "Root under which sys/ is read (env KVM_SRIOV_SYSFS_ROOT; default: ${DEFAULT-VALUE}).")
  Path sysfsRoot;

  @Option(names = "--libvirt-uri", paramLabel = "URI",
      defaultValue = "${LIBVIRT_URI}",
      description = "libvirt URI (env LIBVIRT_URI; default: host.yaml's libvirt_uri, else qemu:///system).")
  String libvirtUri;

  public Path state() {
    return state;
  }

  public Path ledgerDir() {
    return ledgerDir;
  }

  public Path sysfsRoot() {
    return sysfsRoot;
  }

  /** The one place the URI fallback is decided: flag/env, then host.yaml, then qemu:///system. */
  public String libvirtUri(HostState host) {
    return host().uri(host);
  }

  /** These options as the composition root takes them. */
  public Wiring.Host host() {
    return new Wiring.Host(state, ledgerDir, sysfsRoot, Optional.ofNullable(libvirtUri));
  }
}
