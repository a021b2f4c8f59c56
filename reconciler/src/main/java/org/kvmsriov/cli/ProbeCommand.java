package org.kvmsriov.cli;

import java.io.PrintWriter;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.kvmsriov.lease.VfUsageReport;
import org.kvmsriov.ledger.FileLedger;
import org.kvmsriov.model.PfName;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import org.kvmsriov.app.HypervisorConnector;

@Command(name = "probe", mixinStandardHelpOptions = true,
    header = "OpenNebula host-monitoring lines: free and total VFs per PF.",
    description = {"Prints KEY=VALUE lines (SRIOV_FREE_VFS_<PF>, SRIOV_TOTAL_VFS_<PF>) for the IM probe,",
        "so a VM template can say SCHED_REQUIREMENTS = \"SRIOV_FREE_VFS_IB0 > 0\". Changes nothing.",
        "A VF of the map the host does not have (absent, not a VF of that PF, bound to pci-stub or",
        "a user-space I/O driver) is never free: SRIOV_MISSING_VFS_<PF> counts them and",
        "SRIOV_VF_PROBLEMS_<PF> says why, both shown by onehost show.",
        "OpenNebula's probe arguments are accepted and ignored."})
final class ProbeCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin GlobalOptions global;

  @Parameters(arity = "0..*", hidden = true, description = "Arguments OpenNebula passes probes (ignored).")
  List<String> ignored;

  private final HypervisorConnector connector;
  private final Clock clock;

  ProbeCommand(HypervisorConnector connector, Clock clock) {
    this.connector = connector;
    this.clock = clock;
  }

  @Override
  public Integer call() {
    try (EngineSession s = EngineSession.open(global, connector, clock, FileLedger.Access.REPORT)) {
      VfUsageReport usage = s.usage(false);
      PrintWriter out = spec.commandLine().getOut();
      for (VfUsageReport.PfUsage pf : usage.pfs()) {
        String key = key(pf.pf());
        out.println("SRIOV_FREE_VFS_" + key + "=" + pf.free());
        out.println("SRIOV_TOTAL_VFS_" + key + "=" + pf.total());
        // always printed: OpenNebula merges a probe's lines into the host template, so an
        // attribute left out would keep showing the last problem after it was fixed
        out.println("SRIOV_MISSING_VFS_" + key + "=" + pf.missing());
        out.println("SRIOV_VF_PROBLEMS_" + key + "=" + quoted(pf.vfs().stream()
            .filter(v -> v.missing().isPresent())
            .map(v -> "VF " + v.index() + " (" + v.vf() + ") " + v.missing().get()).toList()));
      }
      out.flush();
      return 0;
    }
  }

  /** An OpenNebula template string: double-quoted, entries joined by "; ", no quote or backslash inside. */
  static String quoted(List<String> entries) {
    return "\"" + String.join("; ", entries).replaceAll("[\"\\\\\\p{Cntrl}]", "'") + "\"";
  }

  /** Flat scalar keys the scheduler can look up: upper case, anything else an underscore. */
  static String key(PfName pf) {
    return pf.value().toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
  }
}
