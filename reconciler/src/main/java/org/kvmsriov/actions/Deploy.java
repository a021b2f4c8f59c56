package org.kvmsriov.actions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Consumer;
import java.util.function.Function;
import org.kvmsriov.config.InvalidInputException;
import org.kvmsriov.engine.PassResult;
import org.kvmsriov.io.AtomicFiles;
import org.kvmsriov.model.MacAddress;
import org.kvmsriov.model.NicIdentity;
import org.kvmsriov.model.PfSpec;
import org.kvmsriov.model.Segment;
import org.kvmsriov.model.VmId;
import org.kvmsriov.opennebula.DeploymentFile;
import org.kvmsriov.opennebula.DomainXmlWriter;
import org.kvmsriov.opennebula.HpcTuning;
import org.kvmsriov.opennebula.NumaLoad;
import org.kvmsriov.opennebula.SriovNic;
import org.kvmsriov.opennebula.VfBinding;
import org.kvmsriov.port.DomainInfo;
import org.kvmsriov.port.DriverException;
import org.kvmsriov.port.Lease;
import org.kvmsriov.port.LeaseState;
import org.kvmsriov.port.LedgerSession;

/**
 * deploy: a VF reserved for every SR-IOV NIC (the intent), their identities and partitions
 * programmed by the engine, the deployment file rewritten with them, the domain created (the
 * one call only deploy makes), the leases confirmed by the engine. Any failure, an {@link Error}
 * included, gives every VF back and leaves no rewritten deployment file.
 */
final class Deploy {

  private final VmRequest r;

  /** Told each named step as it is reached ({@code reserved}, {@code programmed}, {@code written}, {@code created}). */
  private final Consumer<String> steps;

  Deploy(VmRequest r, Consumer<String> steps) {
    this.r = r;
    this.steps = steps;
  }

  /**
   * @param vlanOf a NIC's VLAN_ID by its MAC, from the VM template (empty when unknown)
   * @return the domain name, OpenNebula's deploy id
   */
  String run(VmId vm, Path file, String xml, Function<MacAddress, Optional<String>> vlanOf) {
    DeploymentFile deployment = DeploymentFile.parse(xml, r.desired());
    LedgerBypass.refuse(xml, r.desired(), r.ctx.fabric());
    String name = deployment.domainName();
    if (!name.equals(vm.domain())) {
      throw new InvalidInputException("deployment file names domain '" + name + "', not " + vm.domain());
    }
    List<Segment> segments = new ArrayList<>();
    for (SriovNic nic : deployment.sriovNics()) {
      segments.add(Segment.of(r.pf(nic.pf()).mode(), vlanOf.apply(nic.mac())));
    }
    if (r.hypervisor().domain(name).filter(DomainInfo::isActive).isPresent()) {
      throw new DriverException("domain " + name + " is already running");
    }
    OptionalInt node = OptionalInt.empty();
    if (r.desired().driver().hpc().enabled()) {
      List<String> running = r.hypervisor().domains().stream().filter(DomainInfo::isActive)
          .map(d -> r.hypervisor().xml(d.name())).toList();
      node = HpcTuning.apply(deployment, r.desired().driver().hpc(), r.ctx.fabric().numaNodes(), NumaLoad.of(running))
          .pinnedNode();
    }
    try (LedgerSession s = r.openLedger()) {
      List<Lease> leases = reserve(s, name, vm, deployment.sriovNics(), segments, node);
      steps.accept("reserved");
      Optional<Optional<byte[]>> before = Optional.empty(); // present once the file may have been rewritten
      boolean created = false;
      try {
        PassResult prepared = r.settle(s, name);
        if (prepared.failed()) {
          throw new DriverException("deploy of " + name + " failed: " + VmRequest.firstFailure(prepared));
        }
        r.warnings(prepared);
        steps.accept("programmed");
        List<VfBinding> bindings = new ArrayList<>();
        for (int i = 0; i < leases.size(); i++) {
          SriovNic nic = deployment.sriovNics().get(i);
          bindings.add(new VfBinding(nic, leases.get(i).vf(), r.pf(nic.pf()).mode(), segments.get(i).vlanTag()));
        }
        String domainXml = DomainXmlWriter.write(deployment, bindings, r.desired().driver());
        before = Optional.of(contentOf(file));
        Files.createDirectories(file.toAbsolutePath().getParent());
        AtomicFiles.write(file, domainXml.getBytes(StandardCharsets.UTF_8));
        steps.accept("written");
        r.hypervisor().create(domainXml);
        created = true;
        steps.accept("created");
        r.settle(s, name); // confirms the leases: the domain holds their VFs
        r.history(s, "deploy", leases, name, "VF attached at deploy");
        return name;
      } catch (Throwable e) {
        undo(s, name, leases, created);
        before.ifPresent(b -> putBack(file, b));
        if (e instanceof InvalidInputException || e instanceof DriverException) {
          throw (RuntimeException) e;
        }
        throw VmRequest.failed("deploy of " + name, e instanceof IOException io
            ? new UncheckedIOException("cannot write " + file + ": " + io.getMessage(), io) : e);
      }
    }
  }

  /** Leases one VF per NIC, all or none, committed before anything else happens. */
  private List<Lease> reserve(LedgerSession s, String name, VmId vm, List<SriovNic> nics, List<Segment> segments,
      OptionalInt numa) {
    List<VmRequest.Wanted> wanted = new ArrayList<>();
    for (int i = 0; i < nics.size(); i++) {
      SriovNic nic = nics.get(i);
      PfSpec pf = r.pf(nic.pf());
      wanted.add(new VmRequest.Wanted(pf, NicIdentity.of(r.desired().driver(), pf.mode(), nic.position(), nic.mac()),
          segments.get(i), nic.alias()));
    }
    return r.reserveAll(s, name, vm, wanted, numa, LeaseState.RESERVED);
  }

  /** Destroys what was created, removes the file written, gives the VFs back; a VF that cannot be reset stays leased for the reconciler. */
  private void undo(LedgerSession s, String name, List<Lease> leases, boolean created) {
    try {
      if (created) {
        r.hypervisor().destroy(name);
      }
    } finally {
      r.warnNotReset(r.giveBack(s, name, leases), "; its lease stays for the reconciler to release");
    }
  }

  private static Optional<byte[]> contentOf(Path file) {
    try {
      return Files.isRegularFile(file) ? Optional.of(Files.readAllBytes(file)) : Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** The deployment file as OpenNebula wrote it (or none): never one naming VFs the VM does not hold. */
  private void putBack(Path file, Optional<byte[]> content) {
    try {
      if (content.isPresent()) {
        AtomicFiles.write(file, content.get());
      } else {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      r.log.println("WARNING: cannot put back " + file + ": " + e.getMessage());
    }
  }
}
