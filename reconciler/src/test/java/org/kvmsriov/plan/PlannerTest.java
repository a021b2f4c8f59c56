package org.kvmsriov.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.kvmsriov.config.HostStateLoader;
import org.kvmsriov.model.Guid;
import org.kvmsriov.model.HostState;
import org.kvmsriov.model.MacAddress;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.PfName;
import org.kvmsriov.model.Pkey;
import org.kvmsriov.port.DomainInfo;
import org.kvmsriov.port.DomainState;
import org.kvmsriov.port.Lease;
import org.kvmsriov.port.LeaseOwner;
import org.kvmsriov.port.LeaseState;
import org.kvmsriov.port.LedgerState;
import org.kvmsriov.port.ParkedNic;
import org.kvmsriov.port.PciHostdev;
import org.kvmsriov.model.Segment;

/** Table-driven: (desired, observed) → plan, for every action and every "report, don't touch" case. */
class PlannerTest {

  static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");
  static final HostState HOST = HostStateLoader.parse("host.yaml", """
      version: 1
      reconcile: {stale_lease_grace_seconds: 300}
      pfs:
        ib0: {mode: mlnx_ofed2, ofed: {port: 1}, vfs: [07:00.1, 07:00.2, 07:00.3]}
        eth1: {mode: generic, vfs: [08:00.1, 08:00.2]}
      """);
  static final PfName IB0 = new PfName("ib0");
  static final PfName ETH1 = new PfName("eth1");
  static final LeaseOwner ALIVE = new LeaseOwner.Process(100, Optional.empty(), "6c0e8a4e-2f4b-4f7e-9a55-3c1d2b7e9f10");
  static final LeaseOwner DEAD = new LeaseOwner.Process(200, Optional.empty(), "6c0e8a4e-2f4b-4f7e-9a55-3c1d2b7e9f10");

  /** A mutable world the cases edit; {@link #observe()} freezes it. */
  static final class World {
    LedgerState ledger = LedgerState.empty();
    final List<DomainInfo> domains = new ArrayList<>();
    final Map<PciAddress, PciAddress> foreign = new HashMap<>();
    final Map<PciAddress, PfName> unmapped = new HashMap<>();
    final Map<PciAddress, Guid> guids = new HashMap<>();
    final Map<PciAddress, OptionalInt> slots = new HashMap<>();
    final Map<PfName, List<Optional<Pkey>>> tables = new HashMap<>();
    final Set<LeaseOwner> dead = new HashSet<>(Set.of(DEAD));
    final List<String> unreadable = new ArrayList<>();
    final Map<org.kvmsriov.port.LeaseKey, Segment> partitions = new HashMap<>();
    final Set<org.kvmsriov.port.LeaseKey> gone = new HashSet<>();

    /** The network driver's post: {@code vf}'s NIC asks for {@code request}. */
    World asks(PfName pf, String vf, Segment request) {
      partitions.put(new org.kvmsriov.port.LeaseKey(pf, PciAddress.parse(vf)), request);
      return this;
    }

    /** The network driver's clean: OpenNebula let go of {@code vf}'s NIC. */
    World gone(PfName pf, String vf) {
      gone.add(new org.kvmsriov.port.LeaseKey(pf, PciAddress.parse(vf)));
      return this;
    }

    /** An mlx4 port table [0xffff, 0x8001] and where {@code vf}'s virtual index 0 points. */
    World ibTable(String vf, OptionalInt slot) {
      tables.put(IB0, List.of(Optional.of(Pkey.DEFAULT_FULL), Optional.of(new Pkey(0x8001))));
      slots.put(PciAddress.parse(vf), slot);
      return this;
    }

    World lease(PfName pf, int index, String vf, String domain, LeaseState state, LeaseOwner owner, Duration age) {
      Lease l = Lease.reserve(pf, PciAddress.parse(vf), index, domain, OptionalInt.empty(), owner, NOW.minus(age))
          .withState(state, NOW.minus(age));
      ledger = ledger.with(l);
      return this;
    }

    /** A pass saw {@code vf}'s lease without its domain {@code ago}, and recorded it. */
    World unheldFor(String vf, Duration ago) {
      Lease l = ledger.leaseOfVf(PciAddress.parse(vf)).orElseThrow();
      ledger = ledger.with(l.withUnheldSince(Optional.of(NOW.minus(ago))));
      return this;
    }

    World leaseWith(PfName pf, int index, String vf, String domain, Guid guid, Pkey pkey) {
      Lease l = Lease.reserve(pf, PciAddress.parse(vf), index, domain, OptionalInt.empty(), ALIVE, NOW)
          .withState(LeaseState.ATTACHED, NOW)
          .withIdentity(Optional.empty(), Optional.ofNullable(guid), Optional.empty(), Optional.ofNullable(pkey), NOW);
      ledger = ledger.with(l);
      return this;
    }

    World domain(String name, DomainState state, String... vfs) {
      List<PciHostdev> hds = Stream.of(vfs).map(v -> new PciHostdev(PciAddress.parse(v), Optional.empty(), false)).toList();
      domains.add(new DomainInfo(name, UUID.nameUUIDFromBytes(name.getBytes()), state, hds));
      return this;
    }

    World park(String domain, int position, PfName pf) {
      ledger = ledger.park(new ParkedNic(domain, position, pf, MacAddress.parse("aa:0" + position + ":0a:00:00:01"),
          Optional.empty(), NOW));
      return this;
    }

    Observation observe() {
      return observeAt(NOW);
    }

    Observation observeAt(Instant now) {
      Map<PfName, List<PciAddress>> maps = Map.of(
          IB0, List.of(PciAddress.parse("07:00.1"), PciAddress.parse("07:00.2"), PciAddress.parse("07:00.3")),
          ETH1, List.of(PciAddress.parse("08:00.1"), PciAddress.parse("08:00.2")));
      return new Observation(HOST, maps, ledger, domains, foreign, unmapped, guids, slots, tables, dead, now, unreadable)
          .with(new VmNotice(partitions, gone));
    }
  }

  static Arguments row(String name, Consumer<World> setup, String... expected) {
    return Arguments.of(name, setup, List.of(expected));
  }

  static final Duration OLD = Duration.ofMinutes(10);
  static final Duration FRESH = Duration.ofSeconds(30);

  static Stream<Arguments> cases() {
    return Stream.of(
        row("converged: lease held by its running domain", w -> w
            .lease(IB0, 0, "07:00.1", "one-1", LeaseState.ATTACHED, ALIVE, OLD)
            .domain("one-1", DomainState.RUNNING, "0000:07:00.1")),
        row("stale: domain gone past grace", w -> w
            .lease(IB0, 0, "07:00.1", "one-1", LeaseState.ATTACHED, ALIVE, OLD).unheldFor("07:00.1", OLD),
            "release ib0 VF 0 (0000:07:00.1) leased to one-1: domain one-1 does not exist (for 600 s)"),
        row("wait, first sight: domain gone, no pass saw it so before (the lease's age does not count)", w -> w
            .lease(IB0, 0, "07:00.1", "one-1", LeaseState.ATTACHED, ALIVE, OLD),
            "wait 300 s, then release ib0 VF 0 (0000:07:00.1) leased to one-1 unless it is held again: domain one-1"
                + " does not exist (first seen now, 2026-11-25T12:00:00Z)"),
        row("wait: domain gone inside grace, time left from the first sight", w -> w
            .lease(IB0, 0, "07:00.1", "one-1", LeaseState.ATTACHED, ALIVE, OLD).unheldFor("07:00.1", Duration.ofSeconds(100)),
            "wait 200 s, then release ib0 VF 0 (0000:07:00.1) leased to one-1 unless it is held again: domain one-1"
                + " does not exist (since 2026-11-25T11:58:20Z)"),
        row("stale: grace counted from the first sight, not from the lease's last change", w -> w
            .lease(IB0, 0, "07:00.1", "one-1", LeaseState.ATTACHED, ALIVE, FRESH).unheldFor("07:00.1", OLD),
            "release ib0 VF 0 (0000:07:00.1) leased to one-1: domain one-1 does not exist (for 600 s)"),
        row("wait: a first sighting after now (the clock was set back) counts as no time passed", w -> w
            .lease(IB0, 0, "07:00.1", "one-1", LeaseState.ATTACHED, ALIVE, OLD)
            .unheldFor("07:00.1", Duration.ofSeconds(-60)),
            "wait 300 s, then release ib0 VF 0 (0000:07:00.1) leased to one-1 unless it is held again: domain one-1"
                + " does not exist (since 2026-11-25T12:01:00Z)"),
        row("wait: domain stopped", w -> w
            .lease(ETH1, 1, "08:00.2", "one-2", LeaseState.ATTACHED, ALIVE, OLD)
            .domain("one-2", DomainState.SHUTOFF, "0000:08:00.2"),
            "wait 300 s, then release eth1 VF 1 (0000:08:00.2) leased to one-2 unless it is held again: domain one-2"
                + " is not running (first seen now, 2026-11-25T12:00:00Z)"),
        row("end of the wait: its domain holds the VF again", w -> w
            .lease(IB0, 0, "07:00.1", "one-1", LeaseState.ATTACHED, ALIVE, OLD).unheldFor("07:00.1", FRESH)
            .domain("one-1", DomainState.RUNNING, "0000:07:00.1"),
            "end the grace period of ib0 VF 0 (0000:07:00.1) leased to one-1, unheld since 2026-11-25T11:59:30Z:"
                + " one-1 holds it again"),
        row("end of the wait: its domain runs again without the VF, which is re-attached", w -> w
            .lease(IB0, 0, "07:00.1", "one-5", LeaseState.ATTACHED, ALIVE, OLD).unheldFor("07:00.1", FRESH)
            .domain("one-5", DomainState.RUNNING),
            "end the grace period of ib0 VF 0 (0000:07:00.1) leased to one-5, unheld since 2026-11-25T11:59:30Z:"
                + " one-5 runs again",
            "re-attach ib0 VF 0 (0000:07:00.1) to one-5, which runs without it"),
        row("end of the wait: a request is bringing the VF back", w -> w
            .lease(IB0, 0, "07:00.1", "one-5", LeaseState.RESERVED, ALIVE, OLD).unheldFor("07:00.1", FRESH),
            "end the grace period of ib0 VF 0 (0000:07:00.1) leased to one-5, unheld since 2026-11-25T11:59:30Z:"
                + " a request is moving it (reserved)"),
        row("no end of the wait for a lease being released", w -> w
            .lease(IB0, 0, "07:00.1", "one-33", LeaseState.ATTACHED, ALIVE, OLD).unheldFor("07:00.1", FRESH)
            .gone(IB0, "07:00.1"),
            "release ib0 VF 0 (0000:07:00.1) leased to one-33: OpenNebula's network driver let go of one-33"),
        row("stale: domain shut off past grace", w -> w
            .lease(ETH1, 1, "08:00.2", "one-2", LeaseState.ATTACHED, ALIVE, OLD).unheldFor("08:00.2", OLD)
            .domain("one-2", DomainState.SHUTOFF, "0000:08:00.2"),
            "release eth1 VF 1 (0000:08:00.2) leased to one-2: domain one-2 is not running (for 600 s)"),
        row("stale at once: reserved by a dead process", w -> w
            .lease(IB0, 2, "07:00.3", "one-3", LeaseState.RESERVED, DEAD, FRESH),
            "release ib0 VF 2 (0000:07:00.3) leased to one-3: the process that reserved it died before one-3 was created"),
        row("in flight: reserved by a live process inside grace", w -> w
            .lease(IB0, 2, "07:00.3", "one-3", LeaseState.RESERVED, ALIVE, FRESH)),
        row("confirm: reserved lease now held", w -> w
            .lease(IB0, 1, "07:00.2", "one-4", LeaseState.RESERVED, DEAD, FRESH)
            .domain("one-4", DomainState.RUNNING, "0000:07:00.2"),
            "confirm ib0 VF 1 (0000:07:00.2) is attached to one-4 (was reserved)"),
        row("re-attach: running domain lost its VF", w -> w
            .lease(IB0, 0, "07:00.1", "one-5", LeaseState.ATTACHED, ALIVE, OLD)
            .domain("one-5", DomainState.RUNNING),
            "re-attach ib0 VF 0 (0000:07:00.1) to one-5, which runs without it"),
        row("re-attach: a migration moved the domain here without its VF (the reservation's request ended)", w -> w
            .lease(IB0, 0, "07:00.1", "one-5", LeaseState.MIGRATING_IN, DEAD, FRESH)
            .domain("one-5", DomainState.RUNNING),
            "re-attach ib0 VF 0 (0000:07:00.1) to one-5, which runs without it"),
        row("no attach while the reservation's request runs: the domain cannot have arrived yet", w -> w
            .lease(ETH1, 0, "08:00.1", "one-5", LeaseState.MIGRATING_IN, ALIVE, FRESH)
            .domain("one-5", DomainState.RUNNING)),
        row("adopt: running domain holds a mapped VF without a lease", w -> w
            .domain("one-6", DomainState.RUNNING, "0000:08:00.1"),
            "adopt eth1 VF 0 (0000:08:00.1), held by one-6 without a lease"),
        row("restore parked NIC of a running domain: lease a free VF first", w -> w
            .lease(ETH1, 0, "08:00.1", "one-9", LeaseState.ATTACHED, ALIVE, OLD)
            .domain("one-9", DomainState.RUNNING, "0000:08:00.1")
            .domain("one-7", DomainState.RUNNING).park("one-7", 0, ETH1),
            "lease eth1 VF 1 (0000:08:00.2) and attach it to one-7 for its parked SR-IOV NIC 0 (aa:00:0a:00:00:01)"),
        row("parked NIC of a saved domain waits", w -> w.park("one-8", 0, ETH1)),
        row("drift: GUID reprogrammed", w -> {
          w.leaseWith(IB0, 0, "07:00.1", "one-10", Guid.parse("00:00:aa:00:0a:00:00:0a"), null)
              .domain("one-10", DomainState.RUNNING, "0000:07:00.1");
          w.guids.put(PciAddress.parse("07:00.1"), Guid.parse("ff:ff:ff:ff:ff:ff:ff:ff"));
        }, "program GUID 00:00:aa:00:0a:00:00:0a on ib0 VF 0 (shows ff:ff:ff:ff:ff:ff:ff:ff (unset))"),
        row("no drift: GUID as leased", w -> {
          w.leaseWith(IB0, 0, "07:00.1", "one-10", Guid.parse("00:00:aa:00:0a:00:00:0a"), null)
              .domain("one-10", DomainState.RUNNING, "0000:07:00.1");
          w.guids.put(PciAddress.parse("07:00.1"), Guid.parse("00:00:aa:00:0a:00:00:0a"));
        }),
        row("drift: pkey map", w -> {
          w.leaseWith(IB0, 0, "07:00.1", "one-11", null, new Pkey(0x8001))
              .domain("one-11", DomainState.RUNNING, "0000:07:00.1");
          w.tables.put(IB0, List.of(Optional.of(Pkey.DEFAULT_FULL), Optional.of(new Pkey(0x8001))));
          w.slots.put(PciAddress.parse("07:00.1"), OptionalInt.of(0));
        }, "map ib0 VF 0 pkey index 0 to 0x8001 (port index 1; shows port index 0)"),
        row("report: pkey gone from the port table", w -> {
          w.leaseWith(IB0, 0, "07:00.1", "one-11", null, new Pkey(0x8005))
              .domain("one-11", DomainState.RUNNING, "0000:07:00.1");
          w.tables.put(IB0, List.of(Optional.of(Pkey.DEFAULT_FULL)));
          w.slots.put(PciAddress.parse("07:00.1"), OptionalInt.of(0));
        }, "report (partition blocked): pkey 0x8005 of one-11 is gone from ib0's port table; its VF cannot reach the partition"),
        row("post: map the partition the NIC's VLAN_ID asks for (deploy did not know it)", w -> w
            .leaseWith(IB0, 0, "07:00.1", "one-30", null, Pkey.DEFAULT_FULL)
            .domain("one-30", DomainState.RUNNING, "0000:07:00.1")
            .ibTable("07:00.1", OptionalInt.of(0)).asks(IB0, "07:00.1", new Segment.Partition(1)),
            "map ib0 VF 0 pkey index 0 to 0x8001 (port index 1; shows port index 0)"),
        row("post: record the key when the map already points at it", w -> w
            .leaseWith(IB0, 0, "07:00.1", "one-30", null, null)
            .domain("one-30", DomainState.RUNNING, "0000:07:00.1")
            .ibTable("07:00.1", OptionalInt.of(1)).asks(IB0, "07:00.1", new Segment.Partition(1)),
            "map ib0 VF 0 pkey index 0 to 0x8001 (port index 1; shows port index 1)"),
        row("post: nothing to do when the partition is mapped and recorded", w -> w
            .leaseWith(IB0, 0, "07:00.1", "one-30", null, new Pkey(0x8001))
            .domain("one-30", DomainState.RUNNING, "0000:07:00.1")
            .ibTable("07:00.1", OptionalInt.of(1)).asks(IB0, "07:00.1", new Segment.Partition(1))),
        row("post: block a partition the port's table lacks", w -> w
            .leaseWith(IB0, 0, "07:00.1", "one-31", null, Pkey.DEFAULT_FULL)
            .domain("one-31", DomainState.RUNNING, "0000:07:00.1")
            .ibTable("07:00.1", OptionalInt.of(0)).asks(IB0, "07:00.1", new Segment.Partition(5)),
            "block ib0 VF 0 of one-31: partition 5 (0x8005 or 0x0005) is not in the port's pkey table"
                + " (shows port index 0)"),
        row("drift: a blocked VF whose map points somewhere is blocked again", w -> w
            .leaseWith(IB0, 0, "07:00.1", "one-32", null, Pkey.BLOCKED)
            .domain("one-32", DomainState.RUNNING, "0000:07:00.1")
            .ibTable("07:00.1", OptionalInt.of(0)),
            "block ib0 VF 0 of one-32: its partition was not found when it was mapped (shows port index 0)"),
        row("no drift: a blocked VF stays blocked", w -> w
            .leaseWith(IB0, 0, "07:00.1", "one-32", null, Pkey.BLOCKED)
            .domain("one-32", DomainState.RUNNING, "0000:07:00.1")
            .ibTable("07:00.1", OptionalInt.empty())),
        row("clean: release at once, inside the grace period, a lease whose domain is gone", w -> w
            .lease(IB0, 0, "07:00.1", "one-33", LeaseState.ATTACHED, ALIVE, FRESH).gone(IB0, "07:00.1"),
            "release ib0 VF 0 (0000:07:00.1) leased to one-33: OpenNebula's network driver let go of one-33"),
        row("clean: release the detached NIC's lease, not re-attach it", w -> w
            .lease(IB0, 0, "07:00.1", "one-34", LeaseState.ATTACHED, ALIVE, FRESH)
            .domain("one-34", DomainState.RUNNING).gone(IB0, "07:00.1"),
            "release ib0 VF 0 (0000:07:00.1) leased to one-34: OpenNebula's network driver let go of this NIC of one-34"),
        row("clean: never release a VF a running domain holds", w -> w
            .lease(IB0, 0, "07:00.1", "one-35", LeaseState.ATTACHED, ALIVE, FRESH)
            .domain("one-35", DomainState.RUNNING, "0000:07:00.1").gone(IB0, "07:00.1")),
        row("clean: nor one another running domain holds", w -> w
            .lease(IB0, 0, "07:00.1", "one-36", LeaseState.ATTACHED, ALIVE, FRESH)
            .domain("one-37", DomainState.RUNNING, "0000:07:00.1").gone(IB0, "07:00.1"),
            "report (holder differs): VF 0000:07:00.1 is leased to one-36 but one-37 holds it"),
        row("report: VF held by two domains", w -> w
            .domain("one-12", DomainState.RUNNING, "0000:07:00.2")
            .domain("one-13", DomainState.RUNNING, "0000:07:00.2"),
            "report (vf held twice): VF 0000:07:00.2 is in the XML of one-12 and one-13; kvm-sriov will not choose between them"),
        row("report: VF outside every map", w -> {
          w.domain("one-14", DomainState.RUNNING, "0000:07:00.7");
          w.unmapped.put(PciAddress.parse("07:00.7"), IB0);
        }, "report (vf outside maps): one-14 holds VF 0000:07:00.7 of ib0, which host.yaml's VF map does not list"),
        row("report: VF of an undeclared PF", w -> {
          w.domain("one-15", DomainState.RUNNING, "0000:41:00.2");
          w.foreign.put(PciAddress.parse("41:00.2"), PciAddress.parse("41:00.0"));
        }, "report (undeclared pf): one-15 holds VF 0000:41:00.2 of PF 0000:41:00.0, which host.yaml does not declare"),
        row("report: a PF that cannot be observed", w -> w.unreadable.add("PF ib9: sys/class/net/ib9/device does not exist"),
            "report (unobservable): PF ib9: sys/class/net/ib9/device does not exist"),
        row("ignore: a hostdev that is no VF (a GPU)", w -> w.domain("one-16", DomainState.RUNNING, "0000:65:00.0")),
        row("report, don't yank: leased VF removed from host.yaml", w -> w
            .lease(IB0, 5, "07:00.6", "one-17", LeaseState.ATTACHED, ALIVE, OLD)
            .domain("one-17", DomainState.RUNNING, "0000:07:00.6"),
            "report (lease not in map): VF 0000:07:00.6 of one-17 is no longer in host.yaml's map of ib0; left attached until the VM gives it up"),
        row("report: lease holder differs", w -> w
            .lease(IB0, 0, "07:00.1", "one-18", LeaseState.ATTACHED, ALIVE, OLD)
            .domain("one-18", DomainState.RUNNING)
            .domain("one-19", DomainState.RUNNING, "0000:07:00.1"),
            "report (holder differs): VF 0000:07:00.1 is leased to one-18 but one-19 holds it"),
        row("order: releases before adoptions before re-attachments before reports", w -> {
          w.lease(IB0, 0, "07:00.1", "one-20", LeaseState.ATTACHED, ALIVE, OLD).domain("one-20", DomainState.RUNNING)
              .lease(IB0, 2, "07:00.3", "gone", LeaseState.ATTACHED, ALIVE, OLD).unheldFor("07:00.3", OLD)
              .domain("one-21", DomainState.RUNNING, "0000:08:00.2", "0000:41:00.2");
          w.foreign.put(PciAddress.parse("41:00.2"), PciAddress.parse("41:00.0"));
        },
            "release ib0 VF 2 (0000:07:00.3) leased to gone: domain gone does not exist (for 600 s)",
            "adopt eth1 VF 1 (0000:08:00.2), held by one-21 without a lease",
            "re-attach ib0 VF 0 (0000:07:00.1) to one-20, which runs without it",
            "report (undeclared pf): one-21 holds VF 0000:41:00.2 of PF 0000:41:00.0, which host.yaml does not declare"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void plans(String name, Consumer<World> setup, List<String> expected) {
    World w = new World();
    setup.accept(w);
    Plan plan = Planner.plan(w.observe());
    assertThat(plan.actions()).extracting(Action::describe).as(name).containsExactlyElementsOf(expected);
    assertThat(Planner.plan(w.observe())).as("deterministic").isEqualTo(plan);
  }

  @org.junit.jupiter.api.Test
  void asksToLookAgainWhenTheSoonestGraceEnds() {
    World w = new World().lease(IB0, 0, "07:00.1", "one-1", LeaseState.ATTACHED, ALIVE, OLD)
        .unheldFor("07:00.1", Duration.ofSeconds(100))
        .lease(IB0, 1, "07:00.2", "one-2", LeaseState.ATTACHED, ALIVE, OLD).unheldFor("07:00.2", Duration.ofSeconds(250));
    assertThat(Planner.plan(w.observe()).recheckAfter()).contains(Duration.ofSeconds(50));
  }

  @org.junit.jupiter.api.Test
  void scopesAPlanToOneDomain() {
    World w = new World().lease(IB0, 0, "07:00.1", "one-1", LeaseState.ATTACHED, ALIVE, OLD).unheldFor("07:00.1", OLD)
        .lease(IB0, 1, "07:00.2", "one-2", LeaseState.ATTACHED, ALIVE, OLD).unheldFor("07:00.2", OLD);
    assertThat(Planner.plan(w.observe()).forDomain("one-2").actions()).extracting(Action::describe)
        .containsExactly("release ib0 VF 1 (0000:07:00.2) leased to one-2: domain one-2 does not exist (for 600 s)");
  }

  /**
   * Passes over time, the clock injected through the observation: the first sees the lease
   * without its domain and waits the whole grace; applying that wait records the sighting; later
   * passes count down from it, not from the lease's age; the lease goes when the grace has run
   * from that first sighting. Its domain coming back in between ends the wait, and a later
   * absence gets a whole grace period again.
   */
  @org.junit.jupiter.api.Test
  void graceRunsFromTheFirstSightingAcrossPasses() {
    World w = new World().lease(IB0, 0, "07:00.1", "one-1", LeaseState.ATTACHED, ALIVE, Duration.ofDays(3));
    Instant t0 = NOW;

    Plan first = Planner.plan(w.observeAt(t0));
    assertThat(first.converged()).as("a wait is not convergence").isFalse();
    Action.AwaitGrace wait = (Action.AwaitGrace) first.actions().get(0);
    assertThat(first.actions()).hasSize(1);
    assertThat(wait.firstSight()).isTrue();
    assertThat(wait.since()).isEqualTo(t0);
    assertThat(wait.left()).isEqualTo(Duration.ofSeconds(300));
    assertThat(first.recheckAfter()).contains(Duration.ofSeconds(300));
    w.unheldFor("07:00.1", Duration.ZERO); // what the executor records: the sighting at t0

    Plan later = Planner.plan(w.observeAt(t0.plusSeconds(200)));
    assertThat(later.actions()).singleElement().isInstanceOfSatisfying(Action.AwaitGrace.class, a -> {
      assertThat(a.firstSight()).isFalse();
      assertThat(a.since()).isEqualTo(t0);
      assertThat(a.secondsLeft()).isEqualTo(100);
    });
    assertThat(later.recheckAfter()).contains(Duration.ofSeconds(100));

    assertThat(Planner.plan(w.observeAt(t0.plusSeconds(299).plusMillis(1))).actions()).singleElement()
        .isInstanceOfSatisfying(Action.AwaitGrace.class, a -> assertThat(a.secondsLeft()).as("rounded up").isEqualTo(1));

    assertThat(Planner.plan(w.observeAt(t0.plusSeconds(300))).actions()).extracting(Action::describe)
        .containsExactly("release ib0 VF 0 (0000:07:00.1) leased to one-1: domain one-1 does not exist (for 300 s)");

    // the domain came back at t0 + 200: the wait ends, and nothing else is planned
    w.domain("one-1", DomainState.RUNNING, "0000:07:00.1");
    Plan back = Planner.plan(w.observeAt(t0.plusSeconds(200)));
    assertThat(back.actions()).singleElement().isInstanceOf(Action.EndGrace.class);
    assertThat(back.recheckAfter()).isEmpty();
    w.ledger = w.ledger.with(w.ledger.leaseOfVf(PciAddress.parse("07:00.1")).orElseThrow()
        .withUnheldSince(Optional.empty())); // what the executor records
    assertThat(Planner.plan(w.observeAt(t0.plusSeconds(201))).converged()).isTrue();

    // gone again at t0 + 1000: a whole grace period from then, not what was left before
    w.domains.clear();
    Plan again = Planner.plan(w.observeAt(t0.plusSeconds(1000)));
    assertThat(again.actions()).singleElement().isInstanceOfSatisfying(Action.AwaitGrace.class, a -> {
      assertThat(a.firstSight()).isTrue();
      assertThat(a.secondsLeft()).isEqualTo(300);
    });
  }
}
