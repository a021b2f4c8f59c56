package org.kvmsriov.cli;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.kvmsriov.adapters.sysfs.SysfsFabricView;
import org.kvmsriov.app.Wiring;
import org.kvmsriov.config.HostStateLoader;
import org.kvmsriov.lease.VfUsageReport;
import org.kvmsriov.ledger.FileLedger;
import org.kvmsriov.ledger.LedgerCodec;
import org.kvmsriov.model.HostState;
import org.kvmsriov.plan.Action;
import org.kvmsriov.port.DomainInfo;
import org.kvmsriov.port.Hypervisor;
import org.kvmsriov.port.HypervisorException;
import org.kvmsriov.port.LedgerState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import org.kvmsriov.app.HypervisorConnector;

@Command(name = "status", mixinStandardHelpOptions = true,
    header = "Per PF: total, free and leased VFs, who holds them, and drift.",
    description = {"Reads host.yaml, the PFs' VF maps (listed, or discovered under",
        "--sysfs-root), the ledger (without waiting for its lock) and libvirt's running",
        "domains; changes nothing. Lists every VF that is leased or held by a running",
        "domain, and each lease whose domain does not hold its VF with the time left of",
        "its grace period. Exit 1 when libvirt cannot be asked (what the ledger says is",
        "still printed)."})
final class StatusCommand implements Callable<Integer> {

  static final JsonMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

  @Spec CommandSpec spec;
  @Mixin GlobalOptions global;

  @Option(names = "--json", description = "Print JSON instead of a table.")
  boolean json;

  private final HypervisorConnector connector;
  private final Clock clock;

  StatusCommand(HypervisorConnector connector, Clock clock) {
    this.connector = connector;
    this.clock = clock;
  }

  @Override
  public Integer call() {
    HostState host = HostStateLoader.load(global.state());
    LedgerState ledger = new FileLedger(global.ledgerDir(), FileLedger.Access.REPORT).snapshot();
    Optional<List<DomainInfo>> domains;
    // what a pass would plan for leases without their domain; unknown without libvirt
    Optional<List<Action.AwaitGrace>> waiting;
    String libvirtProblem = null;
    try (Hypervisor h = connector.connect(global.libvirtUri(host))) {
      domains = Optional.of(h.domains());
      waiting = Optional.of(new Wiring(global.host(), connector, clock, FileLedger.Access.REPORT)
          .reportEngine(host, h).look(ledger, domains.get()).actions().stream()
          .filter(Action.AwaitGrace.class::isInstance).map(Action.AwaitGrace.class::cast).toList());
    } catch (HypervisorException e) {
      domains = Optional.empty();
      waiting = Optional.empty();
      libvirtProblem = e.getMessage();
    }
    VfUsageReport report = EngineSession.usage(host, new SysfsFabricView(global.sysfsRoot()), ledger, domains, false);
    PrintWriter out = spec.commandLine().getOut();
    Duration grace = host.reconcile().staleLeaseGrace();
    if (json) {
      out.println(JSON.writeValueAsString(toJson(report, waiting, libvirtProblem)));
    } else {
      printText(out, report, waiting.orElse(List.of()), grace);
    }
    out.flush();
    if (libvirtProblem != null) {
      spec.commandLine().getErr().println("kvm-sriov: libvirt could not be asked which domains hold VFs: "
          + libvirtProblem);
      return 1;
    }
    return 0;
  }

  private static void printText(PrintWriter out, VfUsageReport report, List<Action.AwaitGrace> waiting,
      Duration grace) {
    for (VfUsageReport.PfUsage pf : report.pfs()) {
      long waits = waiting.stream().filter(w -> w.lease().pf().equals(pf.pf())).count();
      out.printf("%s (%s): %d VFs, %d free, %d leased%s%s%s%n", pf.pf(), pf.mode(), pf.total(), pf.free(), pf.leased(),
          pf.untracked() > 0 ? ", " + pf.untracked() + " in use without a lease" : "",
          pf.missing() > 0 ? ", " + pf.missing() + " missing" : "",
          waits > 0 ? ", " + waits + " waiting to be released" : "");
      TextTable t = new TextTable("VF", "ADDRESS", "STATE", "LEASED TO", "HELD BY (libvirt)");
      boolean any = false;
      for (VfUsageReport.VfUse v : pf.vfs()) {
        if (v.free()) {
          continue;
        }
        any = true;
        t.row(String.valueOf(v.index()), v.vf().toString(),
            v.lease().map(l -> l.state().jsonName()).orElse(v.missing().isPresent() ? "missing" : "-"),
            v.lease().map(l -> l.domain().orElse("(adopted, unidentified)")).orElse("-"),
            !report.libvirtSeen() ? "?" : v.heldBy().isEmpty() ? "-" : String.join(",", v.heldBy()));
      }
      if (any) {
        t.print(out, "  ");
      }
      pf.drift().forEach(d -> out.println("  drift: " + d.message()));
      pf.vfs().forEach(v -> v.missing().ifPresent(why ->
          out.println("  missing: VF " + v.index() + " (" + v.vf() + ") " + why)));
    }
    for (var l : report.strayLeases()) {
      out.println("stray lease: " + l.pf() + " VF " + l.vfIndex() + " (" + l.vf() + ") leased to "
          + l.domain().orElse("?") + " is not in host.yaml's VF map of " + l.pf());
    }
    for (Action.AwaitGrace w : waiting) {
      out.println("waiting: " + w.lease().pf() + " VF " + w.lease().vfIndex() + " (" + w.lease().vf() + ") leased to "
          + w.lease().domain().orElse("(unknown)") + ": " + w.why() + (w.firstSight()
              ? "; no pass has seen this yet: the next starts its " + grace.toSeconds() + " s grace period"
              : " since " + w.sinceText() + "; released in " + w.secondsLeft() + " s unless it is held again"));
    }
  }

  private static ObjectNode toJson(VfUsageReport report, Optional<List<Action.AwaitGrace>> waiting,
      String libvirtProblem) {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode pfs = root.putArray("pfs");
    for (VfUsageReport.PfUsage pf : report.pfs()) {
      ObjectNode p = pfs.addObject();
      p.put("pf", pf.pf().value());
      p.put("mode", pf.mode());
      p.put("total", pf.total());
      p.put("free", pf.free());
      p.put("leased", pf.leased());
      p.put("untracked", pf.untracked());
      p.put("missing", pf.missing());
      ArrayNode vfs = p.putArray("vfs");
      for (VfUsageReport.VfUse v : pf.vfs()) {
        ObjectNode o = vfs.addObject();
        o.put("index", v.index());
        o.put("vf", v.vf().toString());
        o.put("free", v.free());
        o.put("missing", v.missing().orElse(null));
        if (v.lease().isPresent()) {
          LedgerCodec.writeLease(o.putObject("lease"), v.lease().get());
        } else {
          o.putNull("lease");
        }
        if (report.libvirtSeen()) {
          ArrayNode held = o.putArray("held_by");
          v.heldBy().forEach(held::add);
        } else {
          o.putNull("held_by");
        }
      }
      ArrayNode drift = p.putArray("drift");
      pf.drift().forEach(d -> drift.add(d.message()));
    }
    ArrayNode stray = root.putArray("stray_leases");
    report.strayLeases().forEach(l -> LedgerCodec.writeLease(stray.addObject(), l));
    if (waiting.isPresent()) {
      ArrayNode w = root.putArray("waiting");
      for (Action.AwaitGrace a : waiting.get()) {
        ObjectNode o = w.addObject();
        o.put("pf", a.lease().pf().value());
        o.put("vf", a.lease().vf().toString());
        o.put("vf_index", a.lease().vfIndex());
        o.put("domain", a.lease().domain().orElse(null));
        o.put("why", a.why());
        o.put("unheld_since", a.firstSight() ? null : a.since().toString());
        o.put("seconds_left", a.secondsLeft());
      }
    } else {
      root.putNull("waiting"); // libvirt could not be asked: which domains hold their VFs is unknown
    }
    ObjectNode lv = root.putObject("libvirt");
    lv.put("reachable", libvirtProblem == null);
    lv.put("error", libvirtProblem);
    return root;
  }
}
