package org.kvmsriov.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.kvmsriov.config.InvalidInputException;
import org.kvmsriov.opennebula.VmNic;
import org.kvmsriov.engine.Outcome;
import org.kvmsriov.engine.PassResult;
import org.kvmsriov.engine.TemplateStore;
import org.kvmsriov.port.DomainInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import org.kvmsriov.opennebula.VnmInput;

@Command(name = "vnm", mixinStandardHelpOptions = true,
    header = "The sriov_partition network driver's steps (pre, post, clean, vnet_*, update_*).",
    description = {"Takes the VM template both ways OpenNebula sends it: base64 as the first argument",
        "(5.4-5.8) or base64 on stdin (5.10+). Acts only on NICs whose VN_MAD is sriov_partition and,",
        "during a NIC hot-plug, only on the NIC marked ATTACH=YES.",
        "pre: keeps the template, so deploy and restore know each NIC's VLAN_ID.",
        "post: a reconcile pass over the VM that maps each InfiniBand VF's partition from its VLAN_ID",
        "and re-programs drifted GUIDs and pkey maps.",
        "clean: releases at once the VFs of the NICs OpenNebula let go (never one a running domain",
        "holds), resetting GUIDs and pkey maps, and forgets the template once the VM's domain is gone."})
final class VnmCommand implements Callable<Integer> {

  static final String VN_MAD = "sriov_partition";
  static final List<String> STEPS = List.of("pre", "post", "clean", "vnet_create", "vnet_delete", "update_sg",
      "update_nic");

  @Spec CommandSpec spec;
  @Mixin GlobalOptions global;

  @Parameters(index = "0", paramLabel = "STEP", completionCandidates = Steps.class,
      description = "One of: ${COMPLETION-CANDIDATES}.")
  String step;

  /** The steps, for the help and the shell completion. */
  static final class Steps implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return STEPS.iterator();
    }
  }

  @Parameters(index = "1..*", arity = "0..*", paramLabel = "ARGS")
  List<String> args = new ArrayList<>();

  private final HypervisorConnector connector;
  private final Clock clock;
  private final InputStream stdin;

  VnmCommand(HypervisorConnector connector, Clock clock, InputStream stdin) {
    this.connector = connector;
    this.clock = clock;
    this.stdin = stdin;
  }

  @Override
  public Integer call() {
    return ErrorFrame.run(spec, this::run);
  }

  private int run() {
    if (!STEPS.contains(step)) {
      throw new InvalidInputException("unknown network driver step '" + step + "'; known: " + String.join(" ", STEPS));
    }
    if (step.equals("vnet_create") || step.equals("vnet_delete") || step.equals("update_sg")
        || step.equals("update_nic")) {
      if (!VnmInput.templateInArgv(args)) {
        readAll();
      }
      return 0; // nothing to set up per network: partitions live in the fabric's subnet manager
    }
    VnmInput in = VnmInput.parse(step, args, this::readAll);
    List<VmNic> mine = in.template().nicsOf(VN_MAD);
    if (mine.isEmpty()) {
      return 0; // another network driver's NICs only (OpenNebula runs every VN_MAD of the VM)
    }
    TemplateStore templates = new TemplateStore(global.ledgerDir());
    if (step.equals("pre")) {
      mine.forEach(VnmCommand::check);
      templates.store(in.template().vmId(), in.xml());
      return 0;
    }
    try (EngineSession s = EngineSession.open(global, connector, clock)) {
      in.deployId().flatMap(id -> s.hypervisor().domain(id)).map(DomainInfo::name)
          .filter(name -> !name.equals(in.domain())).ifPresent(name -> {
            throw new InvalidInputException(step + ": deploy id '" + in.deployId().orElseThrow() + "' is domain "
                + name + ", not VM " + in.template().vmId() + "'s " + in.domain() + "; refused");
          });
      PassResult r = step.equals("post") ? s.engine().post(in.domain(), mine) : s.engine().clean(in.domain(), mine);
      log(r);
      boolean detaching = mine.stream().anyMatch(VmNic::attaching);
      boolean gone = s.hypervisor().domain(in.domain()).filter(DomainInfo::isActive).isEmpty();
      if (step.equals("clean") && !detaching && gone && !r.failed()) {
        templates.forget(in.template().vmId()); // a restore's pre stores it again
      }
      if (r.failed()) {
        throw new IllegalStateException(step + " of " + in.domain() + ": " + String.join("; ",
            r.outcomes().stream().filter(Outcome::failed).map(o -> o.action().describe() + ": " + o.detail()).toList()));
      }
      return 0;
    }
  }

  /** What the pass did, as lines OpenNebula files in the VM's log (INFO, or WARNING for reports). */
  private void log(PassResult r) {
    PrintWriter err = spec.commandLine().getErr();
    for (Outcome o : r.outcomes()) {
      if (o.status() == Outcome.Status.DONE) {
        err.println("INFO: " + o.action().describe());
      } else if (o.status() == Outcome.Status.REPORTED) {
        err.println("WARNING: " + o.action().describe());
      }
    }
    err.flush();
  }

  /** Refuses at pre, before anything is deployed, a VLAN_ID no mode could use. */
  private static void check(VmNic n) {
    if (!n.bridge().startsWith("sriov_")) {
      throw new InvalidInputException("NIC " + n.nicId() + " uses VN_MAD " + VN_MAD + " but its bridge '" + n.bridge()
          + "' is not sriov_<pf>");
    }
    n.vlanId().ifPresent(v -> {
      if (!v.strip().matches("\\d{1,5}") || Integer.parseInt(v.strip()) < 1 || Integer.parseInt(v.strip()) > 0x7fff) {
        throw new InvalidInputException("NIC " + n.nicId() + ": VLAN_ID '" + v + "' is neither a partition (1-32767)"
            + " nor a VLAN");
      }
    });
  }


  private byte[] readAll() {
    try {
      byte[] data = stdin.readNBytes(DriverCommand.MAX_STDIN + 1);
      if (data.length > DriverCommand.MAX_STDIN) {
        throw new InvalidInputException(step + ": stdin is larger than " + DriverCommand.MAX_STDIN + " bytes");
      }
      return data;
    } catch (IOException e) {
      throw new InvalidInputException(step + ": cannot read stdin: " + e.getMessage());
    }
  }
}
