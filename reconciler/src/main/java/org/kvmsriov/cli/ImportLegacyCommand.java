package org.kvmsriov.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.kvmsriov.config.HostStateLoader;
import org.kvmsriov.config.HostYamlWriter;
import org.kvmsriov.legacy.LegacyImport;
import org.kvmsriov.legacy.LegacyLock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "import-legacy", mixinStandardHelpOptions = true,
    header = "Turn the OpenNebula SR-IOV add-on's vf_maps/, kvmrc and lock folder into host.yaml.",
    description = {"Prints an equivalent host.yaml on stdout. Every line the add-on's files hold is",
        "checked; a bad one is reported as FILE:LINE:COL and nothing is printed (exit 2)."})
final class ImportLegacyCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

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

  @Override
  public Integer call() {
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
    spec.commandLine().getOut().print(yaml);
    spec.commandLine().getOut().flush();
    return 0;
  }
}
