package org.kvmsriov.actions;

import java.io.PrintWriter;
import java.util.List;
import org.kvmsriov.config.InvalidInputException;
import org.kvmsriov.engine.Outcome;
import org.kvmsriov.engine.PassResult;
import org.kvmsriov.model.HostState;
import org.kvmsriov.model.PfName;
import org.kvmsriov.model.Segment;
import org.kvmsriov.model.VmId;
import org.kvmsriov.opennebula.VmNic;
import org.kvmsriov.opennebula.VnmInput;
import org.kvmsriov.port.DomainInfo;

/**
 * The {@code sriov_partition} network driver's steps. {@code pre} keeps the VM template for the
 * VMM actions; {@code post} and {@code clean} are engine passes over the VM with what the network
 * driver knows (each NIC's VLAN_ID; which NICs OpenNebula let go).
 */
public final class NetworkSteps {

  static final String VN_MAD = "sriov_partition";
  public static final List<String> STEPS = List.of("pre", "post", "clean", "vnet_create", "vnet_delete", "update_sg",
      "update_nic");

  private final DriverService.Ports ports;
  private final DriverService.Call call;

  NetworkSteps(DriverService.Ports ports, DriverService.Call call) {
    this.ports = ports;
    this.call = call;
  }

  int run(DriverCall.Vnm v) {
    String step = v.step();
    if (!STEPS.contains(step)) {
      throw new InvalidInputException("unknown network driver step '" + step + "'; known: " + String.join(" ", STEPS));
    }
    if (step.equals("vnet_create") || step.equals("vnet_delete") || step.equals("update_sg")
        || step.equals("update_nic")) {
      if (!VnmInput.templateInArgv(v.args())) {
        call.readStdin(step);
      }
      return 0; // nothing to set up per network: partitions live in the fabric's subnet manager
    }
    VnmInput in = VnmInput.parse(step, v.args(), () -> call.readStdin(step));
    List<VmNic> mine = in.template().nicsOf(VN_MAD);
    if (mine.isEmpty()) {
      return 0; // another network driver's NICs only (OpenNebula runs every VN_MAD of the VM)
    }
    VmId vm = new VmId(in.template().vmId());
    if (step.equals("pre")) {
      java.util.Optional<HostState> desired = ports.engines().declared();
      mine.forEach(n -> check(desired, n));
      ports.templates().store(vm, in.xml());
      return 0;
    }
    try (Engines.Handle h = ports.engines().open()) {
      in.deployId().flatMap(id -> h.engine().context().hypervisor().domain(id)).map(DomainInfo::name)
          .filter(name -> !name.equals(in.domain())).ifPresent(name -> {
            throw new InvalidInputException(step + ": deploy id '" + in.deployId().orElseThrow() + "' is domain "
                + name + ", not VM " + vm + "'s " + in.domain() + "; refused");
          });
      PassResult r = step.equals("post") ? h.engine().post(in.domain(), mine) : h.engine().clean(in.domain(), mine);
      log(r);
      boolean detaching = mine.stream().anyMatch(VmNic::attaching);
      boolean gone = h.engine().context().hypervisor().domain(in.domain()).filter(DomainInfo::isActive).isEmpty();
      if (step.equals("clean") && !detaching && gone && !r.failed()) {
        ports.templates().forget(vm); // a restore's pre stores it again
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
    PrintWriter err = call.err;
    for (Outcome o : r.outcomes()) {
      if (o.status() == Outcome.Status.DONE || o.status() == Outcome.Status.WAITING) {
        err.println("INFO: " + o.action().describe());
      } else if (o.status() == Outcome.Status.REPORTED) {
        err.println("WARNING: " + o.action().describe());
      }
    }
    err.flush();
  }

  /**
   * Refuses at pre, before anything is deployed, what deploy would refuse: a bridge that names no
   * PF, a VLAN_ID the PF's mode cannot use (the same rule deploy applies).
   */
  private static void check(java.util.Optional<HostState> desired, VmNic n) {
    if (!n.bridge().startsWith("sriov_")) {
      throw new InvalidInputException("NIC " + n.nicId() + " uses VN_MAD " + VN_MAD + " but its bridge '" + n.bridge()
          + "' is not sriov_<pf>");
    }
    n.vlanId().filter(v -> !Segment.inAnyMode(v)).ifPresent(v -> {
      throw new InvalidInputException("NIC " + n.nicId() + ": VLAN_ID '" + v + "' is neither a partition (1-32767)"
          + " nor a VLAN");
    });
    String pf = n.bridge().substring("sriov_".length());
    if (PfName.problem(pf) != null) {
      throw new InvalidInputException("NIC " + n.nicId() + ": bridge '" + n.bridge() + "': " + PfName.problem(pf));
    }
    // the PF's own mode narrows it (an Ethernet VLAN is 1-4094), as deploy will
    desired.flatMap(d -> d.pf(new PfName(pf))).ifPresent(spec -> {
      try {
        Segment.of(spec.mode(), n.vlanId());
      } catch (InvalidInputException e) {
        throw new InvalidInputException("NIC " + n.nicId() + ": " + e.getMessage());
      }
    });
  }
}
