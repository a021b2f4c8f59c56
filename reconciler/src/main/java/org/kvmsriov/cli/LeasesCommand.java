package org.kvmsriov.cli;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.kvmsriov.config.HostStateLoader;
import org.kvmsriov.config.InvalidInputException;
import org.kvmsriov.ledger.FileLedger;
import org.kvmsriov.ledger.LedgerCodec;
import org.kvmsriov.model.Guid;
import org.kvmsriov.model.HostState;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.PfName;
import org.kvmsriov.port.DomainInfo;
import org.kvmsriov.port.HistoryEntry;
import org.kvmsriov.port.Hypervisor;
import org.kvmsriov.port.HypervisorException;
import org.kvmsriov.port.Lease;
import org.kvmsriov.port.LeaseKey;
import org.kvmsriov.port.LeaseOwner;
import org.kvmsriov.port.LedgerSession;
import org.kvmsriov.port.LedgerState;
import org.kvmsriov.port.ParkedNic;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import org.kvmsriov.app.HypervisorConnector;

/** {@code kvm-sriov leases list|release}: the ledger, for operators. */
@Command(name = "leases", mixinStandardHelpOptions = true,
    header = "List the VF leases, or release one by hand.",
    subcommands = {LeasesCommand.ListLeases.class, LeasesCommand.Release.class})
final class LeasesCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  /** No subcommand: usage on stderr, exit 2. */
  @Override
  public Integer call() {
    spec.commandLine().getErr().println("kvm-sriov leases: list or release is required");
    spec.commandLine().usage(spec.commandLine().getErr());
    return 2;
  }

  /** {@code leases list [--json]}. */
  @Command(name = "list", mixinStandardHelpOptions = true,
      header = "Print every lease and parked NIC in the ledger.",
      description = "Reads the ledger without waiting for its lock; changes nothing.")
  static final class ListLeases implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin GlobalOptions global;

    @Option(names = "--json", description = "Print JSON (the ledger's own field names) instead of a table.")
    boolean json;

    @Override
    public Integer call() {
      LedgerState st = new FileLedger(global.ledgerDir(), FileLedger.Access.REPORT).snapshot();
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        ObjectNode root = StatusCommand.JSON.createObjectNode();
        ArrayNode leases = root.putArray("leases");
        st.leases().values().forEach(l -> LedgerCodec.writeLease(leases.addObject(), l));
        ArrayNode parked = root.putArray("parked");
        st.parked().forEach(p -> LedgerCodec.writeParked(parked.addObject(), p));
        out.println(StatusCommand.JSON.writeValueAsString(root));
      } else {
        printText(out, st);
      }
      out.flush();
      return 0;
    }

    private static void printText(PrintWriter out, LedgerState st) {
      if (st.leases().isEmpty()) {
        out.println("no leases");
      } else {
        TextTable t = new TextTable("PF", "VF", "ADDRESS", "STATE", "DOMAIN", "VM", "MAC", "GUID", "PKEY", "OWNER",
            "UPDATED");
        for (Lease l : st.leases().values()) {
          t.row(l.pf().value(), String.valueOf(l.vfIndex()), l.vf().toString(), l.state().jsonName(),
              l.domain().orElse("?"), l.vmId().isPresent() ? String.valueOf(l.vmId().getAsInt()) : "-",
              l.mac().map(Object::toString).orElse("-"), l.guid().map(Guid::toColons).orElse("-"),
              l.pkey().map(Object::toString).orElse("-"), owner(l), l.updatedAt().toString());
        }
        t.print(out, "");
      }
      if (!st.parked().isEmpty()) {
        out.println();
        TextTable t = new TextTable("PARKED DOMAIN", "NIC", "PF", "MAC", "PKEY", "SINCE");
        for (ParkedNic p : st.parked()) {
          t.row(p.domain(), String.valueOf(p.position()), p.pf().value(), p.mac().toString(),
              p.pkey().map(Object::toString).orElse("-"), p.parkedAt().toString());
        }
        t.print(out, "");
      }
    }

    private static String owner(Lease l) {
      return l.owner().accept(new LeaseOwner.Visitor<String>() {
        @Override
        public String process(LeaseOwner.Process p) {
          return "pid " + p.pid();
        }

        @Override
        public String imported(LeaseOwner.Imported i) {
          return "add-on";
        }
      });
    }
  }

  /** {@code leases release PF VF --reason TEXT [--force]}. */
  @Command(name = "release", mixinStandardHelpOptions = true,
      header = "Release one VF's lease by hand.",
      description = {"Refuses (exit 1) when a running domain still holds the VF according to",
          "libvirt, or libvirt cannot be asked, unless --force. Only the ledger changes:",
          "the VF is not detached and a GUID programmed on it is not restored (the",
          "message says which). The reason is logged on stderr and kept in the ledger's",
          "history."})
  static final class Release implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin GlobalOptions global;

    @Parameters(index = "0", paramLabel = "PF", description = "The PF's interface name, e.g. ib0.")
    String pfArg;

    @Parameters(index = "1", paramLabel = "VF", description = "The VF's index on the PF (e.g. 3) or PCI address.")
    String vfArg;

    @Option(names = "--reason", required = true, paramLabel = "TEXT",
        description = "Why (one line); kept in the ledger's history.")
    String reason;

    @Option(names = "--force", description = "Release even when a running domain holds the VF.")
    boolean force;

    @Option(names = "--wait", paramLabel = "SECONDS", defaultValue = "30",
        description = "How long to wait for the ledger lock (default: ${DEFAULT-VALUE}).")
    int waitSeconds;

    private final HypervisorConnector connector;
    private final Clock clock;

    Release(HypervisorConnector connector, Clock clock) {
      this.connector = connector;
      this.clock = clock;
    }

    @Override
    public Integer call() {
      // every argument is checked before anything is opened
      String pfProblem = PfName.problem(pfArg);
      if (pfProblem != null) {
        throw new InvalidInputException("leases release: " + pfProblem);
      }
      PfName pf = new PfName(pfArg);
      VfArg vf = VfArg.parse(vfArg);
      try {
        HistoryEntry.checkReason(reason);
      } catch (IllegalArgumentException e) {
        throw new InvalidInputException("leases release: --reason: " + e.getMessage());
      }
      if (waitSeconds < 1 || waitSeconds > 3600) {
        throw new InvalidInputException("leases release: --wait " + waitSeconds + " is not 1..3600 seconds");
      }
      refuseUndeclared(pf, vf);
      PrintWriter err = spec.commandLine().getErr();
      try (LedgerSession s = new FileLedger(global.ledgerDir()).open(Duration.ofSeconds(waitSeconds))) {
        LedgerState st = s.state();
        Optional<Lease> found = vf.index().isPresent()
            ? st.leaseOfIndex(pf, vf.index().get())
            : st.lease(new LeaseKey(pf, vf.address().get()));
        if (found.isEmpty()) {
          String elsewhere = vf.address().flatMap(st::leaseOfVf)
              .map(l -> " (it is leased under " + l.pf() + ")").orElse("");
          err.println("kvm-sriov: no lease for VF " + vfArg + " of " + pf + elsewhere + "; nothing released");
          return 1;
        }
        Lease lease = found.get();
        String what = "VF " + lease.vfIndex() + " (" + lease.vf() + ") of " + pf;
        List<String> holders;
        String libvirtNote = "";
        try (Hypervisor h = connector.connect(libvirtUri())) {
          holders = h.domains().stream().filter(DomainInfo::isActive)
              .filter(d -> d.hostdevs().stream().anyMatch(x -> x.source().equals(lease.vf())))
              .map(DomainInfo::name).toList();
        } catch (HypervisorException e) {
          if (!force) {
            err.println("kvm-sriov: cannot ask libvirt whether a running domain holds " + what + ": "
                + e.getMessage() + "; nothing released (--force releases without asking)");
            return 1;
          }
          holders = List.of();
          libvirtNote = "; libvirt not asked: " + e.getMessage();
        }
        if (!holders.isEmpty() && !force) {
          err.println("kvm-sriov: " + what + " is still held by running domain " + String.join(", ", holders)
              + "; nothing released (detach it first, or use --force)");
          return 1;
        }
        String action = holders.isEmpty() ? "release" : "force-release";
        s.commit(st.without(lease.key()).record(new HistoryEntry(clock.instant(), action, lease.key(),
            lease.domain().orElse(""), reason)));
        err.println("kvm-sriov: " + action + " " + what + ", leased to " + lease.domain().orElse("?") + " ("
            + lease.state().jsonName() + ")" + (holders.isEmpty() ? "" : ", still in running domain "
            + String.join(", ", holders)) + libvirtNote + guidNote(lease) + "; reason: " + reason);
        spec.commandLine().getOut().println("released " + what);
        return 0;
      }
    }

    /**
     * A PF host.yaml does not declare and no lease names is a typo: refused before the ledger is
     * opened. A stray lease of a PF removed from host.yaml can still be released (and a broken
     * host.yaml does not stand in the way of this escape hatch).
     */
    private void refuseUndeclared(PfName pf, VfArg vf) {
      HostState host;
      try {
        host = HostStateLoader.load(global.state());
      } catch (InvalidInputException e) {
        return;
      }
      LedgerState st = new FileLedger(global.ledgerDir()).snapshot();
      if (host.pf(pf).isPresent() || !st.leasesOf(pf).isEmpty()) {
        return;
      }
      String elsewhere = vf.address().flatMap(st::leaseOfVf)
          .map(l -> " (VF " + l.vf() + " is leased under " + l.pf() + ")").orElse("");
      throw new InvalidInputException("leases release: PF '" + pf + "' is not declared in " + global.state()
          + " (it declares " + String.join(", ", host.pfs().stream().map(p -> p.name().value()).toList())
          + ") and no lease names it" + elsewhere + "; nothing released");
    }

    private String libvirtUri() {
      // the flag or environment wins; only then is host.yaml read (it may be what is broken)
      if (global.libvirtUri != null && !global.libvirtUri.isBlank()) {
        return global.libvirtUri;
      }
      return global.libvirtUri(HostStateLoader.load(global.state()));
    }

    private static String guidNote(Lease l) {
      return l.guid().map(g -> "; GUID " + g.toColons() + " stays programmed on the VF"
          + l.originalGuid().map(o -> " (its original was " + o.toColons() + ")").orElse("")).orElse("");
    }
  }

  /**
   * A VF as the operator names it: an index or a PCI address.
   *
   * @param index the VF index, when given as a number
   * @param address the PCI address, when given as one
   */
  record VfArg(Optional<Integer> index, Optional<PciAddress> address) {
    static VfArg parse(String text) {
      if (text.matches("\\d{1,9}")) {
        int i = Integer.parseInt(text);
        if (i > Lease.MAX_VF_INDEX) {
          throw new InvalidInputException("leases release: VF index " + i + " is outside 0.." + Lease.MAX_VF_INDEX);
        }
        return new VfArg(Optional.of(i), Optional.empty());
      }
      try {
        return new VfArg(Optional.empty(), Optional.of(PciAddress.parse(text)));
      } catch (IllegalArgumentException e) {
        throw new InvalidInputException("leases release: VF '" + text
            + "' is neither a VF index nor a PCI address (e.g. 3 or 0000:07:00.4)");
      }
    }
  }
}
