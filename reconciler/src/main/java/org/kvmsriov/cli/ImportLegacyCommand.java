package org.kvmsriov.cli;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.kvmsriov.config.HostStateLoader;
import org.kvmsriov.config.HostYamlWriter;
import org.kvmsriov.config.InvalidInputException;
import org.kvmsriov.ledger.FileLedger;
import org.kvmsriov.legacy.LegacyAdoption;
import org.kvmsriov.legacy.LegacyImport;
import org.kvmsriov.legacy.LegacyLock;
import picocli.CommandLine.Command;
import org.kvmsriov.port.LedgerSession;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "import-legacy", mixinStandardHelpOptions = true,
    modelTransformer = GlobalOptions.LedgerOnly.class,
    header = "Turn the SR-IOV add-on's vf_maps/, kvmrc and lock folder into host.yaml.",
    description = {"Prints an equivalent host.yaml on stdout (or writes it to --output). Every line the",
        "add-on's files hold is checked; a bad one is reported as FILE:LINE:COL and nothing is",
        "printed or written (exit 2).",
        "With --adopt, the lock folder's VFs also become leases in the ledger",
        "(--ledger-dir): reserved, holder unidentified until the reconciler finds the",
        "domain holding each VF. Refused (exit 1, nothing adopted) when the ledger",
        "already has a lease for any of them."})
final class ImportLegacyCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin GlobalOptions global;

  @Option(names = "--vf-maps", required = true, paramLabel = "DIR",
      description = "The add-on's vf_maps directory (e.g. /var/lib/one/remotes/vmm/kvm-sriov/vf_maps).")
  Path vfMaps;

  @Option(names = "--lock-dir", paramLabel = "DIR",
      description = "The add-on's VF lock folder (/dev/shm/vf_interfaces or /tmp/vf_interfaces).")
  Path lockDir;

  @Option(names = "--kvmrc", paramLabel = "FILE", description = "The add-on's kvmrc.")
  Path kvmrc;

  @Option(names = "--mode", paramLabel = "MODE",
      description = "Mode for every PF instead of kvmrc's DRIVER_MODE: generic, mlnx_ofed2, ethernet.")
  String mode;

  @Option(names = "--output", paramLabel = "FILE",
      description = "Write host.yaml to FILE instead of stdout: replaced atomically once the import"
          + " succeeded (the old file keeps its mode), left as it was when it fails.")
  Path output;

  @Option(names = "--adopt",
      description = "Also turn the lock folder's VFs into leases in the ledger (needs --lock-dir).")
  boolean adopt;

  @Option(names = "--wait", paramLabel = "SECONDS", defaultValue = "30",
      description = "With --adopt: how long to wait for the ledger lock (default: ${DEFAULT-VALUE}).")
  int waitSeconds;

  private final Clock clock;

  ImportLegacyCommand(Clock clock) {
    this.clock = clock;
  }

  @Override
  public Integer call() {
    if (adopt && lockDir == null) {
      throw new InvalidInputException("import-legacy: --adopt needs --lock-dir (the add-on's lock folder)");
    }
    if (waitSeconds < 1 || waitSeconds > 3600) {
      throw new InvalidInputException("import-legacy: --wait " + waitSeconds + " is not 1..3600 seconds");
    }
    LegacyImport.Result r = LegacyImport.read(vfMaps, lockDir, kvmrc, mode);
    List<String> header = new ArrayList<>();
    header.add("host.yaml imported by kvm-sriov import-legacy from " + vfMaps);
    r.notes().forEach(n -> header.add("note: " + n));
    Map<String, List<String>> perPf = new HashMap<>();
    for (LegacyLock l : r.locks()) {
      perPf.computeIfAbsent(l.pf().value(), k -> new ArrayList<>()).add("in use by the add-on: VF "
          + l.index() + " (" + l.vf() + ")" + l.mac().map(m -> ", dummy MAC " + m).orElse(""));
    }
    String yaml = HostYamlWriter.write(r.host(), header, perPf);
    HostStateLoader.parse("<import-legacy output>", yaml); // never print what validate would refuse
    if (adopt) {
      try (LedgerSession s = new FileLedger(global.ledgerDir()).open(Duration.ofSeconds(waitSeconds))) {
        s.commit(LegacyAdoption.adopt(s.state(), r, lockDir, clock.instant()));
      }
      spec.commandLine().getErr().println("kvm-sriov: adopted " + r.locks().size() + " lease(s) from " + lockDir
          + " into " + global.ledgerDir().resolve(FileLedger.FILE));
    }
    if (output != null) {
      OutputFile.replace(output, yaml, "host.yaml");
      spec.commandLine().getErr().println("kvm-sriov: wrote " + output);
    } else {
      spec.commandLine().getOut().print(yaml);
      spec.commandLine().getOut().flush();
    }
    return 0;
  }
}
