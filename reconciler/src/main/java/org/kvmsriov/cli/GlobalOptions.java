package org.kvmsriov.cli;

import org.kvmsriov.app.Wiring;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.kvmsriov.model.HostState;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
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

  private static final List<String> NAMES = List.of("--state", "--ledger-dir", "--sysfs-root", "--libvirt-uri");

  /** For a command that reads host.yaml alone: it neither lists nor takes the other global options. */
  public static final class StateOnly implements CommandLine.IModelTransformer {
    @Override
    public CommandSpec transform(CommandSpec spec) {
      return keep(spec, "--state");
    }
  }

  /** For a command that reads the ledger alone. */
  public static final class LedgerOnly implements CommandLine.IModelTransformer {
    @Override
    public CommandSpec transform(CommandSpec spec) {
      return keep(spec, "--ledger-dir");
    }
  }

  private static CommandSpec keep(CommandSpec spec, String kept) {
    NAMES.stream().filter(n -> !n.equals(kept)).map(spec::findOption).filter(o -> o != null).forEach(spec::remove);
    return spec;
  }

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
