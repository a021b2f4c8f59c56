package org.kvmsriov.engine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Function;
import org.kvmsriov.config.InvalidInputException;
import org.kvmsriov.opennebula.CheckpointXml;
import org.kvmsriov.opennebula.DeploymentFile;
import org.kvmsriov.opennebula.DomainXmlWriter;
import org.kvmsriov.opennebula.HpcTuning;
import org.kvmsriov.opennebula.NumaLoad;
import org.kvmsriov.opennebula.SriovNic;
import org.kvmsriov.opennebula.VfBinding;
import org.kvmsriov.opennebula.VmNic;
import org.kvmsriov.lease.LeaseAllocator;
import org.kvmsriov.model.HostState;
import org.kvmsriov.model.MacAddress;
import org.kvmsriov.model.Mode;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.PfSpec;
import org.kvmsriov.plan.PartitionDecision;
import org.kvmsriov.plan.PartitionRequest;
import org.kvmsriov.port.DomainInfo;
import org.kvmsriov.port.HistoryEntry;
import org.kvmsriov.port.Hypervisor;
import org.kvmsriov.port.Lease;
import org.kvmsriov.port.LeaseOwner;
import org.kvmsriov.port.LeaseState;
import org.kvmsriov.port.Ledger;
import org.kvmsriov.port.LedgerSession;
import org.kvmsriov.port.LedgerState;
import org.kvmsriov.port.ParkedNic;
import org.kvmsriov.port.PciHostdev;
import org.kvmsriov.port.DriverException;
import org.kvmsriov.port.RemoteDriver;
import org.kvmsriov.port.FabricView;

/**
 * The OpenNebula VMM actions that involve VFs. Each records its intent in the ledger before
 * libvirt is asked anything, and undoes what it did when a later step fails; what a crash leaves
 * behind, the reconciler heals (the same engine, the same ledger lock).
 */
public final class DriverActions {

  private final HostState desired;
  private final Hypervisor hypervisor;
  private final FabricView fabric;
  private final Ledger ledger;
  private final LeaseOwner self;
  private final Clock clock;
  private final PrintWriter log;
  private final Duration shutdownTimeout;
  private final Duration detachTimeout;
  private final java.util.function.Consumer<String> steps;

  public DriverActions(HostState desired, Hypervisor hypervisor, FabricView fabric, Ledger ledger, LeaseOwner self,
      Clock clock, PrintWriter log, Duration shutdownTimeout, Duration detachTimeout) {
    this(desired, hypervisor, fabric, ledger, self, clock, log, shutdownTimeout, detachTimeout, step -> { });
  }

  /**
   * @param steps told each named step of deploy as it is reached ({@code reserved}, {@code programmed},
   *     {@code written}, {@code created}); crash tests stop the process there
   */
  public DriverActions(HostState desired, Hypervisor hypervisor, FabricView fabric, Ledger ledger, LeaseOwner self,
      Clock clock, PrintWriter log, Duration shutdownTimeout, Duration detachTimeout,
      java.util.function.Consumer<String> steps) {
    this.steps = steps;
    this.desired = desired;
    this.hypervisor = hypervisor;
    this.fabric = fabric;
    this.ledger = ledger;
    this.self = self;
    this.clock = clock;
    this.log = log;
    this.shutdownTimeout = shutdownTimeout;
    this.detachTimeout = detachTimeout;
  }

  /** The libvirt name OpenNebula gives VM {@code vmId}. */
  public static String domainName(int vmId) {
    return "one-" + vmId;
  }

  // ---------------------------------------------------------------- deploy

  /**
   * Deploys: leases a VF for every SR-IOV NIC, programs InfiniBand identities and partitions,
   * writes the domain XML it creates to {@code file} and creates the domain.
   *
   * @param vlanOf a NIC's VLAN_ID by its MAC, from the VM template (empty when unknown)
   * @return the domain name, OpenNebula's deploy id
   */
  public String deploy(int vmId, Path file, String xml, Function<MacAddress, Optional<String>> vlanOf) {
    DeploymentFile deployment = DeploymentFile.parse(xml, desired);
    String name = deployment.domainName();
    if (!name.equals(domainName(vmId))) {
      throw new InvalidInputException("deployment file names domain '" + name + "', not " + domainName(vmId));
    }
    List<PartitionRequest> partitions = new ArrayList<>();
    for (SriovNic nic : deployment.sriovNics()) {
      Mode mode = pf(nic).mode();
      partitions.add(mode instanceof Mode.Ethernet ? new PartitionRequest.DefaultPartition()
          : PartitionRequest.fromVlanId(vlanOf.apply(nic.mac())));
    }
    if (hypervisor.domain(name).filter(DomainInfo::isActive).isPresent()) {
      throw new DriverException("domain " + name + " is already running");
    }
    OptionalInt node = OptionalInt.empty();
    if (desired.driver().hpc().enabled()) {
      List<String> running = hypervisor.domains().stream().filter(DomainInfo::isActive)
          .map(d -> hypervisor.xml(d.name())).toList();
      node = HpcTuning.apply(deployment, desired.driver().hpc(), fabric.numaNodes(), NumaLoad.of(running)).pinnedNode();
    }
    try (LedgerSession s = ledger.open(Engine.LOCK_TIMEOUT)) {
      List<Lease> leases = reserve(s, name, vmId, deployment.sriovNics(), node);
      steps.accept("reserved");
      List<VfBinding> bindings = new ArrayList<>();
      boolean created = false;
      try {
        for (int i = 0; i < leases.size(); i++) {
          SriovNic nic = deployment.sriovNics().get(i);
          Lease l = program(s, leases.get(i), partitions.get(i));
          leases.set(i, l);
          OptionalInt vlan = pf(nic).mode() instanceof Mode.Ethernet ? vlanNumber(vlanOf.apply(nic.mac()))
              : OptionalInt.empty();
          bindings.add(new VfBinding(nic, l.vf(), pf(nic).mode(), vlan));
        }
        steps.accept("programmed");
        String domainXml = DomainXmlWriter.write(deployment, bindings, desired.driver());
        writeAtomically(file, domainXml);
        steps.accept("written");
        hypervisor.create(domainXml);
        created = true;
        steps.accept("created");
        LedgerState st = s.state();
        for (Lease l : leases) {
          st = st.with(s.state().lease(l.key()).orElse(l).withState(LeaseState.ATTACHED, clock.instant()));
        }
        for (Lease l : leases) {
          st = st.record(history("deploy", l, name, "VF attached at deploy"));
        }
        s.commit(st);
        return name;
      } catch (RuntimeException e) {
        if (created) {
          hypervisor.destroy(name);
        }
        rollBack(s, leases);
        throw e instanceof InvalidInputException ? e : new DriverException("deploy of " + name + " failed: "
            + e.getMessage(), e);
      }
    }
  }

  /** Leases one VF per NIC, all or none, committed before anything else happens. */
  private List<Lease> reserve(LedgerSession s, String name, int vmId, List<SriovNic> nics, OptionalInt numa) {
    LedgerState st = s.state();
    Set<PciAddress> inUse = inUse();
    List<Lease> out = new ArrayList<>();
    for (SriovNic nic : nics) {
      PfSpec pf = pf(nic);
      LeaseAllocator.Slot slot = LeaseAllocator.pick(pf.name(), fabric.vfMap(pf), st, inUse, numa, fabric::numaNode);
      NicIdentity id = NicIdentity.of(desired.driver(), pf.mode(), nic.position(), nic.mac());
      Lease l = newLease(pf, slot, name, vmId, id);
      st = st.with(l);
      out.add(l);
    }
    if (!out.isEmpty()) {
      s.commit(st);
    }
    return out;
  }

  /**
   * InfiniBand: programs the lease's GUID and maps the partition. The key it will map is
   * committed with the lease before anything is written (the GUID found was recorded at
   * reservation), so release can always put the VF back.
   */
  private Lease program(LedgerSession s, Lease l, PartitionRequest partition) {
    PfSpec pf = desired.pf(l.pf()).orElseThrow();
    if (!(pf.mode() instanceof Mode.MlnxOfed2) || l.guid().isEmpty()) {
      return l;
    }
    Optional<PartitionDecision> d = LeaseIdentity.decide(fabric, pf, partition);
    Lease planned = d.map(x -> l.withIdentity(l.mac(), l.guid(), l.originalGuid(),
        Optional.of(LeaseIdentity.recorded(x)), clock.instant())).orElse(l);
    s.commit(s.state().with(planned));
    fabric.programGuid(pf, l.vfIndex(), l.guid().get());
    if (d.isEmpty()) {
      if (partition instanceof PartitionRequest.Partition p) {
        log.println("WARNING: " + pf.name() + " has no per-VF pkey tables (mlx5): partition " + p.number()
            + " must be granted to GUID " + l.guid().get() + " by the subnet manager");
      }
      return planned;
    }
    LeaseIdentity.apply(fabric, pf, l.vfIndex(), d.get());
    if (d.get() instanceof PartitionDecision.Blocked b) {
      log.println("WARNING: " + l.domain().orElse("?") + ": VF " + l.vf() + " blocked: " + b.reason());
    }
    return planned;
  }

  /** Undoes identities and leases; a lease whose VF cannot be reset stays for the reconciler. */
  private void rollBack(LedgerSession s, List<Lease> leases) {
    LedgerState st = s.state();
    for (Lease taken : leases) {
      Lease l = st.lease(taken.key()).orElse(taken);
      try {
        resetIdentity(l);
        st = st.without(l.key());
      } catch (RuntimeException e) {
        log.println("WARNING: VF " + l.vf() + " could not be reset (" + e.getMessage()
            + "); its lease stays for the reconciler to release");
      }
    }
    s.commit(st);
  }

  private void resetIdentity(Lease l) {
    desired.pf(l.pf()).ifPresent(pf -> LeaseIdentity.reset(fabric, pf, l));
  }

  // ---------------------------------------------------------------- shutdown, cancel

  /** Shuts the domain down (destroying it after the deadline, as OpenNebula does) and frees its VFs. */
  public void shutdown(String deployId, int vmId) {
    String name = domainName(vmId);
    Optional<DomainInfo> d = hypervisor.domain(deployId).or(() -> hypervisor.domain(name));
    if (d.isPresent() && d.get().isActive() && !hypervisor.shutdown(d.get().name(), shutdownTimeout)) {
      log.println("INFO: " + name + " did not shut down within " + shutdownTimeout.toSeconds() + " s; destroying it");
      hypervisor.destroy(d.get().name());
    }
    release(name, "shutdown");
  }

  /** Destroys the domain and frees its VFs. Succeeds when the domain is already gone. */
  public void cancel(String deployId, int vmId) {
    String name = domainName(vmId);
    hypervisor.domain(deployId).or(() -> hypervisor.domain(name)).ifPresent(d -> hypervisor.destroy(d.name()));
    release(name, "cancel");
  }

  private void release(String name, String why) {
    try (LedgerSession s = ledger.open(Engine.LOCK_TIMEOUT)) {
      List<Lease> mine = leasesOf(s.state(), name);
      LedgerState st = s.state();
      List<String> failed = new ArrayList<>();
      for (Lease l : mine) {
        try {
          resetIdentity(l);
          st = st.without(l.key()).record(history(why, l, name, "VF released"));
        } catch (RuntimeException e) {
          failed.add(l.vf() + ": " + e.getMessage());
        }
      }
      s.commit(st.unpark(name));
      if (!failed.isEmpty()) {
        throw new DriverException(name + " is stopped but these VFs could not be reset (the reconciler retries): "
            + String.join("; ", failed));
      }
    }
  }

  static List<Lease> leasesOf(LedgerState st, String domain) {
    return st.leases().values().stream().filter(l -> l.domain().map(domain::equals).orElse(false)).toList();
  }

  // ---------------------------------------------------------------- save, restore

  /**
   * Saves: detaches the VFs (libvirt cannot save a domain with hostdevs), saves, parks the NICs'
   * identities and frees the VFs. If the save fails the VFs are attached again.
   */
  public void save(String deployId, Path checkpoint, int vmId) {
    String name = hypervisor.domain(deployId).map(DomainInfo::name).orElse(domainName(vmId));
    try (LedgerSession s = ledger.open(Engine.LOCK_TIMEOUT)) {
      List<Lease> mine = leasesOf(s.state(), name);
      List<HeldVf> held = new ArrayList<>();
      for (int i = 0; i < mine.size(); i++) {
        held.add(held(name, mine.get(i), i));
      }
      List<HeldVf> detached = new ArrayList<>();
      try {
        for (HeldVf h : held) {
          hypervisor.detachDevice(name, h.device(), detachTimeout);
          detached.add(h);
        }
        hypervisor.save(name, checkpoint);
      } catch (RuntimeException e) {
        List<String> lost = new ArrayList<>();
        for (HeldVf h : detached) {
          try {
            hypervisor.attachDevice(name, h.device());
          } catch (RuntimeException again) {
            lost.add(h.lease().vf().toString()); // the reconciler re-attaches it: the lease still says ATTACHED
          }
        }
        throw new DriverException("save of " + name + " failed: " + e.getMessage()
            + (lost.isEmpty() ? "; its VFs are attached again" : "; VFs " + lost + " will be re-attached by the reconciler"), e);
      }
      LedgerState st = s.state();
      for (HeldVf h : held) {
        Lease l = h.lease();
        st = st.park(new ParkedNic(name, h.position(), l.pf(), l.mac().orElseThrow(), l.pkey(), clock.instant()));
        try {
          resetIdentity(l);
          st = st.without(l.key());
        } catch (RuntimeException e) {
          // Not ATTACHED any more, or a pass after the restore would attach this VF beside the new
          // one: a reservation its (gone) process never completes, which the next pass releases,
          // trying the reset again.
          log.println("WARNING: VF " + l.vf() + " could not be reset (" + e.getMessage()
              + "); the reconciler releases it");
          st = st.with(l.withState(LeaseState.RESERVED, clock.instant()));
        }
        st = st.record(history("save", l, name, "VF parked with the checkpoint"));
      }
      s.commit(st);
    }
  }

  /**
   * A leased VF as its running domain holds it.
   *
   * @param device the device XML that designates it (its live alias, whatever mode) and, in
   *     ethernet mode, attaches it again as it was (MAC and VLAN)
   * @param position its NIC's position among the VM's SR-IOV NICs
   */
  private record HeldVf(Lease lease, String device, int position) {}

  /**
   * Finds how {@code domain} holds a lease's VF. Observed truth first: the live alias is what
   * deploy or attach gave it ({@code ua-sriov-<position>}) in every mode, while the lease's
   * identity carries the position only where its MAC encodes it (not in ethernet mode).
   */
  private HeldVf held(String domain, Lease l, int fallback) {
    PfSpec pf = desired.pf(l.pf()).orElseThrow();
    Optional<PciHostdev> live = hypervisor.domain(domain).stream().flatMap(d -> d.hostdevs().stream())
        .filter(h -> h.source().equals(l.vf())).findFirst();
    Optional<String> alias = live.flatMap(PciHostdev::alias);
    OptionalInt position = alias.map(SriovNic::positionOf).orElse(OptionalInt.empty());
    if (position.isEmpty()) {
      position = LeaseIdentity.position(pf, l);
    }
    String device = DomainXmlWriter.deviceXml(l.vf(), alias.orElse(LeaseIdentity.alias(pf, l)), pf.mode(), l.mac(),
        live.map(PciHostdev::vlan).orElse(OptionalInt.empty()));
    return new HeldVf(l, device, position.orElse(fallback));
  }

  /**
   * Restores: leases VFs for the parked NICs, programs them, restores, attaches them. When the
   * restore fails, nothing stays leased or programmed and the NICs stay parked for a later try;
   * a VF that cannot be attached to the restored domain is given back and its NIC stays parked,
   * for the reconciler to lease and attach one (the domain runs meanwhile).
   *
   * @param nics the VM template's NICs (the network driver's pre stores it before a restore):
   *     their VLAN_IDs, which the parked identity does not carry for ethernet mode and only as a
   *     found key for InfiniBand; empty when unknown
   */
  public void restore(Path checkpoint, String deployId, int vmId, List<VmNic> nics) {
    String name = domainName(vmId);
    try (LedgerSession s = ledger.open(Engine.LOCK_TIMEOUT)) {
      List<ParkedNic> parked = s.state().parkedOf(name);
      List<Lease> leases = new ArrayList<>();
      LedgerState st = s.state();
      Set<PciAddress> inUse = inUse();
      for (ParkedNic nic : parked) {
        PfSpec pf = desired.pf(nic.pf()).orElseThrow(() -> new DriverException("PF " + nic.pf() + " of a parked NIC"
            + " is no longer declared in host.yaml"));
        LeaseAllocator.Slot slot = LeaseAllocator.pick(pf.name(), fabric.vfMap(pf), st, inUse, OptionalInt.empty(),
            fabric::numaNode);
        Lease l = newLease(pf, slot, name, vmId, NicIdentity.parked(pf.mode(), nic.mac()));
        st = st.with(l);
        leases.add(l);
      }
      s.commit(st);
      List<OptionalInt> vlans = new ArrayList<>();
      try {
        for (int i = 0; i < leases.size(); i++) {
          ParkedNic nic = parked.get(i);
          Mode mode = desired.pf(nic.pf()).orElseThrow().mode();
          Optional<VmNic> asked = TemplateNics.nicOf(desired, nic.pf(), nic.mac(), nics);
          PartitionRequest p = mode instanceof Mode.MlnxOfed2 && asked.isPresent()
              ? PartitionRequest.fromVlanId(asked.get().vlanId()) : PartitionRequest.recorded(nic.pkey());
          vlans.add(mode instanceof Mode.Ethernet ? vlanNumber(asked.flatMap(VmNic::vlanId)) : OptionalInt.empty());
          leases.set(i, program(s, leases.get(i), p));
        }
        // the saved XML, its paths moved to the checkpoint's datastore (a system-DS migration)
        hypervisor.restore(checkpoint, CheckpointXml.relocated(hypervisor.savedXml(checkpoint), checkpoint, vmId));
      } catch (RuntimeException e) {
        rollBack(s, leases);
        throw e instanceof InvalidInputException ? e
            : new DriverException("restore of " + name + " failed: " + e.getMessage(), e);
      }
      st = s.state();
      List<ParkedNic> still = new ArrayList<>();
      for (int i = 0; i < leases.size(); i++) {
        Lease l = st.lease(leases.get(i).key()).orElse(leases.get(i));
        PfSpec pf = desired.pf(l.pf()).orElseThrow();
        try {
          hypervisor.attachDevice(name, DomainXmlWriter.deviceXml(l.vf(), SriovNic.aliasFor(parked.get(i).position()),
              pf.mode(), l.mac(), vlans.get(i)));
          st = st.with(l.withState(LeaseState.ATTACHED, clock.instant()))
              .record(history("restore", l, name, "VF attached after restore"));
        } catch (RuntimeException e) {
          log.println("WARNING: " + name + " restored without VF " + l.vf() + " (" + e.getMessage()
              + "); the reconciler will lease and attach one");
          try {
            resetIdentity(l);
          } catch (RuntimeException ignored) {
            // the lease is released anyway; a fresh program happens at the next attach
          }
          st = st.without(l.key());
          still.add(parked.get(i));
        }
      }
      LedgerState after = st.unpark(name);
      for (ParkedNic p : still) {
        after = after.park(p);
      }
      s.commit(after);
    }
  }

  private String device(String domain, Lease l) {
    return held(domain, l, 0).device();
  }

  // ---------------------------------------------------------------- migrate

  /**
   * Live-migrates a VM holding VFs: VFs are reserved on the destination first (its own
   * kvm-sriov, over {@code remote}), detached here, the domain migrated, the VFs attached there
   * and released here. If a step before the domain has moved fails, the VFs are attached here
   * again and the destination's reservation is given back.
   */
  public void migrate(String deployId, String destHost, int vmId, RemoteDriver remote) {
    String name = hypervisor.domain(deployId).map(DomainInfo::name).orElse(domainName(vmId));
    try (LedgerSession s = ledger.open(Engine.LOCK_TIMEOUT)) {
      List<Lease> mine = leasesOf(s.state(), name);
      List<HeldVf> held = new ArrayList<>();
      List<String> reserve = new ArrayList<>(List.of("migrate_in_reserve", Integer.toString(vmId)));
      for (int i = 0; i < mine.size(); i++) {
        Lease l = mine.get(i);
        held.add(held(name, l, i));
        reserve.add(new org.kvmsriov.opennebula.DriverRequest.IncomingNic(l.pf(), held.get(i).position(),
            l.mac().orElseThrow(), l.pkey()).token());
      }
      remote.call(destHost, reserve); // nothing has changed here if the destination refuses
      LedgerState st = s.state();
      for (Lease l : mine) {
        st = st.with(l.withState(LeaseState.MIGRATING_OUT, clock.instant()));
      }
      s.commit(st);
      List<Lease> detached = new ArrayList<>();
      try {
        for (HeldVf h : held) {
          hypervisor.detachDevice(name, h.device(), detachTimeout);
          detached.add(h.lease());
        }
        // Client-driven like OpenNebula's stock kvm migrate; the VF-less live XML goes along.
        hypervisor.migrate(name, "qemu+ssh://" + destHost + "/system", false, Optional.empty());
      } catch (RuntimeException e) {
        List<String> notBack = new ArrayList<>();
        LedgerState back = s.state();
        for (int i = 0; i < mine.size(); i++) {
          Lease l = mine.get(i);
          try {
            if (detached.contains(l)) {
              hypervisor.attachDevice(name, held.get(i).device());
            }
          } catch (RuntimeException again) {
            notBack.add(l.vf().toString()); // still leased ATTACHED: the reconciler re-attaches it
          }
          back = back.with(s.state().lease(l.key()).orElse(l).withState(LeaseState.ATTACHED, clock.instant()));
        }
        s.commit(back);
        try {
          remote.call(destHost, List.of("migrate_in_abort", Integer.toString(vmId)));
        } catch (RuntimeException abort) {
          log.println("WARNING: the reservation on " + destHost + " could not be given back (" + abort.getMessage()
              + "); its reconciler releases it after the grace period");
        }
        throw new DriverException("migration of " + name + " to " + destHost + " failed: " + e.getMessage()
            + (notBack.isEmpty() ? "; it runs here with its VFs" : "; VFs " + notBack + " will be re-attached here by the reconciler"), e);
      }
      try {
        remote.call(destHost, List.of("migrate_in_attach", Integer.toString(vmId)));
      } catch (RuntimeException e) {
        log.println("WARNING: " + name + " runs on " + destHost + " but its VFs could not be attached there ("
            + e.getMessage() + "); the reconciler there re-attaches them");
      }
      LedgerState gone = s.state();
      for (Lease l : mine) {
        try {
          resetIdentity(l);
        } catch (RuntimeException e) {
          log.println("WARNING: VF " + l.vf() + " could not be reset: " + e.getMessage());
        }
        gone = gone.without(l.key()).record(history("migrate", l, name, "moved to " + destHost));
      }
      s.commit(gone);
    }
  }

  /** Destination: leases and programs a VF for each incoming NIC, all or none. */
  public void migrateInReserve(int vmId, List<org.kvmsriov.opennebula.DriverRequest.IncomingNic> nics) {
    String name = domainName(vmId);
    try (LedgerSession s = ledger.open(Engine.LOCK_TIMEOUT)) {
      if (!leasesOf(s.state(), name).isEmpty()) {
        throw new DriverException(name + " already holds VFs on this host");
      }
      LedgerState st = s.state();
      Set<PciAddress> inUse = inUse();
      List<Lease> taken = new ArrayList<>();
      for (org.kvmsriov.opennebula.DriverRequest.IncomingNic nic : nics) {
        PfSpec pf = desired.pf(nic.pf()).orElseThrow(() -> new DriverException("PF " + nic.pf()
            + " is not declared in this host's host.yaml"));
        LeaseAllocator.Slot slot = LeaseAllocator.pick(pf.name(), fabric.vfMap(pf), st, inUse, OptionalInt.empty(),
            fabric::numaNode);
        Lease l = newLease(pf, slot, name, vmId, NicIdentity.parked(pf.mode(), nic.mac()))
            .withState(LeaseState.MIGRATING_IN, clock.instant());
        st = st.with(l);
        taken.add(l);
      }
      s.commit(st);
      try {
        for (int i = 0; i < taken.size(); i++) {
          program(s, taken.get(i), PartitionRequest.recorded(nics.get(i).pkey()));
        }
      } catch (RuntimeException e) {
        rollBack(s, taken);
        throw e;
      }
    }
  }

  /**
   * Destination: attaches the VFs reserved for the domain that has arrived.
   *
   * @param nics the VM template's NICs (the network driver's pre stored it on this host before
   *     the migration): an ethernet VF's VLAN, which the reservation does not carry
   */
  public void migrateInAttach(int vmId, List<VmNic> nics) {
    String name = domainName(vmId);
    try (LedgerSession s = ledger.open(Engine.LOCK_TIMEOUT)) {
      List<String> failed = new ArrayList<>();
      LedgerState st = s.state();
      for (Lease l : leasesOf(st, name)) {
        if (l.state() != LeaseState.MIGRATING_IN) {
          continue;
        }
        try {
          PfSpec pf = desired.pf(l.pf()).orElseThrow();
          OptionalInt vlan = pf.mode() instanceof Mode.Ethernet
              ? vlanNumber(TemplateNics.nicOf(desired, l.pf(), l.mac().orElseThrow(), nics).flatMap(VmNic::vlanId))
              : OptionalInt.empty();
          hypervisor.attachDevice(name, DomainXmlWriter.deviceXml(l.vf(), LeaseIdentity.alias(pf, l), pf.mode(),
              l.mac(), vlan));
          st = st.with(l.withState(LeaseState.ATTACHED, clock.instant()))
              .record(history("migrate-in", l, name, "VF attached after migration"));
        } catch (RuntimeException e) {
          failed.add(l.vf() + ": " + e.getMessage());
        }
      }
      s.commit(st);
      if (!failed.isEmpty()) {
        throw new DriverException("VFs not attached to " + name + " (the reconciler retries): "
            + String.join("; ", failed));
      }
    }
  }

  /** Destination: gives back what {@link #migrateInReserve} took. */
  public void migrateInAbort(int vmId) {
    String name = domainName(vmId);
    try (LedgerSession s = ledger.open(Engine.LOCK_TIMEOUT)) {
      rollBack(s, leasesOf(s.state(), name).stream().filter(l -> l.state() == LeaseState.MIGRATING_IN).toList());
    }
  }

  // ---------------------------------------------------------------- attach_nic, detach_nic

  /**
   * Hot-plugs an SR-IOV NIC: leases a VF, programs it, attaches it (and, in generic mode, its
   * dummy NIC) under the next free position. Undone entirely when a step fails.
   *
   * @param vlan the NIC's VLAN_ID from the action's VM template, when it has one
   */
  public void attachNic(String deployId, int vmId, MacAddress mac, String bridge, Optional<String> vlan) {
    String name = hypervisor.domain(deployId).map(DomainInfo::name).orElse(domainName(vmId));
    String pfName = bridge.substring("sriov_".length());
    String why = org.kvmsriov.model.PfName.problem(pfName);
    if (why != null) {
      throw new InvalidInputException("attach_nic: bridge '" + bridge + "': " + why);
    }
    PfSpec pf = desired.pf(new org.kvmsriov.model.PfName(pfName)).orElseThrow(() ->
        new InvalidInputException("attach_nic: PF '" + pfName + "' is not declared in host.yaml"));
    PartitionRequest partition = pf.mode() instanceof Mode.Ethernet ? new PartitionRequest.DefaultPartition()
        : PartitionRequest.fromVlanId(vlan);
    OptionalInt ethVlan = pf.mode() instanceof Mode.Ethernet ? vlanNumber(vlan) : OptionalInt.empty();
    int position = nextPosition(name);
    try (LedgerSession s = ledger.open(Engine.LOCK_TIMEOUT)) {
      LeaseAllocator.Slot slot = LeaseAllocator.pick(pf.name(), fabric.vfMap(pf), s.state(), inUse(), OptionalInt.empty(),
          fabric::numaNode);
      Lease l = newLease(pf, slot, name, vmId, NicIdentity.of(desired.driver(), pf.mode(), position, mac));
      s.commit(s.state().with(l));
      boolean vfAttached = false;
      try {
        l = program(s, l, partition);
        hypervisor.attachDevice(name, DomainXmlWriter.deviceXml(l.vf(), SriovNic.aliasFor(position), pf.mode(),
            Optional.of(mac), ethVlan));
        vfAttached = true;
        if (pf.mode() instanceof Mode.Generic) {
          hypervisor.attachDevice(name, DomainXmlWriter.dummyXml(desired.driver(), position, mac));
        }
        s.commit(s.state().with(s.state().lease(l.key()).orElse(l).withState(LeaseState.ATTACHED, clock.instant()))
            .record(history("attach-nic", l, name, "NIC " + mac + " at position " + position)));
      } catch (RuntimeException e) {
        if (vfAttached) {
          try {
            hypervisor.detachDevice(name, DomainXmlWriter.deviceXml(l.vf(), SriovNic.aliasFor(position), pf.mode(),
                Optional.of(mac), OptionalInt.empty()), detachTimeout);
          } catch (RuntimeException again) {
            log.println("WARNING: VF " + l.vf() + " could not be detached again: " + again.getMessage());
          }
        }
        rollBack(s, List.of(l));
        throw e instanceof InvalidInputException ? e
            : new DriverException("attach_nic of " + mac + " to " + name + " failed: " + e.getMessage(), e);
      }
    }
  }

  /**
   * Hot-unplugs the SR-IOV NIC whose OpenNebula MAC is {@code mac} and frees its VF.
   *
   * @return false when no SR-IOV NIC of the domain has that MAC (an ordinary NIC: stock detach)
   */
  public boolean detachNic(String deployId, int vmId, MacAddress mac) {
    String name = hypervisor.domain(deployId).map(DomainInfo::name).orElse(domainName(vmId));
    try (LedgerSession s = ledger.open(Engine.LOCK_TIMEOUT)) {
      Optional<Lease> match = leasesOf(s.state(), name).stream().filter(l -> l.mac().isPresent()
          && desired.pf(l.pf()).map(pf -> NicIdentity.matches(l.mac().get(), pf.mode(), desired.driver(), mac))
              .orElse(false)).findFirst();
      if (match.isEmpty()) {
        return false;
      }
      Lease l = match.get();
      PfSpec pf = desired.pf(l.pf()).orElseThrow();
      hypervisor.detachDevice(name, device(name, l), detachTimeout);
      if (pf.mode() instanceof Mode.Generic) {
        int position = l.mac().get().octet(1);
        hypervisor.detachDevice(name, DomainXmlWriter.dummyXml(desired.driver(), position, mac), detachTimeout);
      }
      resetIdentity(l);
      s.commit(s.state().without(l.key()).record(history("detach-nic", l, name, "NIC " + mac)));
      return true;
    }
  }

  /** The next SR-IOV NIC position of a running domain: one past the highest alias it carries. */
  private int nextPosition(String name) {
    int max = -1;
    for (PciHostdev h : hypervisor.domain(name).map(DomainInfo::hostdevs).orElse(List.of())) {
      OptionalInt position = h.alias().map(SriovNic::positionOf).orElse(OptionalInt.empty());
      if (position.isPresent()) {
        max = Math.max(max, position.getAsInt());
      }
    }
    if (max + 1 > org.kvmsriov.model.SriovIdentity.MAX_POSITION) {
      throw new DriverException(name + " already has " + (max + 1) + " SR-IOV NICs");
    }
    return max + 1;
  }

  // ---------------------------------------------------------------- helpers

  /** VFs a running domain holds, leased or not: observed truth wins over the ledger. */
  private Set<PciAddress> inUse() {
    Set<PciAddress> inUse = new HashSet<>();
    hypervisor.domains().stream().filter(DomainInfo::isActive)
        .forEach(d -> d.hostdevs().forEach(h -> inUse.add(h.source())));
    return inUse;
  }

  /**
   * A reserved lease with its identity and, for InfiniBand, the VF's GUID as found: recorded with
   * the lease before anything is written, so whatever kills us afterwards, releasing puts it back.
   */
  private Lease newLease(PfSpec pf, LeaseAllocator.Slot slot, String name, int vmId, NicIdentity id) {
    Optional<org.kvmsriov.model.Guid> original = id.guid().isPresent()
        ? fabric.portGuid(pf, slot.index()) : Optional.empty();
    return Lease.reserve(pf.name(), slot.vf(), slot.index(), name, OptionalInt.of(vmId), self, clock.instant())
        .withIdentity(Optional.of(id.mac()), id.guid(), original, Optional.empty(), clock.instant());
  }

  private PfSpec pf(SriovNic nic) {
    return desired.pf(nic.pf()).orElseThrow();
  }

  private HistoryEntry history(String action, Lease l, String domain, String reason) {
    return new HistoryEntry(clock.instant(), action, l.key(), domain, reason);
  }

  private static OptionalInt vlanNumber(Optional<String> vlan) {
    if (vlan.isEmpty() || vlan.get().isBlank()) {
      return OptionalInt.empty();
    }
    String v = vlan.get().strip();
    if (!v.matches("\\d{1,4}") || Integer.parseInt(v) < 1 || Integer.parseInt(v) > 4094) {
      throw new InvalidInputException("VLAN_ID '" + v + "' is not an Ethernet VLAN (1-4094)");
    }
    return OptionalInt.of(Integer.parseInt(v));
  }

  /** Temp file in the same directory, fsync, rename: OpenNebula never sees half a deployment file. */
  static void writeAtomically(Path file, String text) {
    try {
      Path dir = file.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.write(StandardCharsets.UTF_8.encode(text));
        ch.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }
}
