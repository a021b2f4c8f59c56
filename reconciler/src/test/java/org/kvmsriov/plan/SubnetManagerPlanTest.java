package org.kvmsriov.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.PfName;
import org.kvmsriov.model.Pkey;
import org.kvmsriov.model.Segment;
import org.kvmsriov.port.DomainInfo;
import org.kvmsriov.port.DomainState;
import org.kvmsriov.port.Lease;
import org.kvmsriov.port.LeaseOwner;
import org.kvmsriov.port.LeaseState;
import org.kvmsriov.port.LedgerState;
import org.kvmsriov.port.Membership;
import org.kvmsriov.port.PartitionMember;
import org.kvmsriov.port.PciHostdev;

/** Table-driven: which partition joins and leaves a pass plans from what the subnet manager lists. */
class SubnetManagerPlanTest {

  static final Instant NOW = PlannerTest.NOW;
  static final HostState HOST = HostStateLoader.parse("host.yaml", """
      version: 1
      reconcile: {stale_lease_grace_seconds: 300}
      subnet_managers:
        fabric: {type: opensm, partitions_file: /etc/opensm/partitions.conf, reload: hup}
      pfs:
        ib0: {mode: mlnx_ofed2, ofed: {device: mlx5_0, port: 1}, subnet_manager: fabric, vfs: [07:00.1, 07:00.2]}
        ib1: {mode: mlnx_ofed2, ofed: {device: mlx5_1, port: 1}, vfs: [09:00.1]}
      """);
  static final PfName IB0 = new PfName("ib0");
  static final PfName IB1 = new PfName("ib1");
  static final LeaseOwner ALIVE = PlannerTest.ALIVE;
  static final Guid G1 = Guid.parse("0x0000aa0000000101");
  static final Guid G2 = Guid.parse("0x0000aa0000000102");
  static final Pkey P4E20 = new Pkey(0x4e20);
  static final Duration OLD = PlannerTest.OLD;

  static final class World {
    LedgerState ledger = LedgerState.empty();
    final List<DomainInfo> domains = new ArrayList<>();
    final List<PartitionMember> members = new ArrayList<>();
    SubnetManagerView view;

    World lease(PfName pf, String vf, Guid guid, int partition, LeaseState state, Duration age) {
      Lease l = Lease.reserve(pf, PciAddress.parse(vf), Integer.parseInt(vf.substring(6)) - 1, "one-1",
              OptionalInt.of(1), ALIVE, NOW.minus(age))
          .withState(state, NOW.minus(age))
          .withIdentity(Optional.empty(), Optional.of(guid), Optional.empty(), Optional.empty(), NOW.minus(age))
          .withDevice(Optional.of(new Segment.Partition(partition)), Optional.empty(), NOW.minus(age));
      ledger = ledger.with(l);
      return this;
    }

    /** A pass saw {@code vf}'s lease without its domain {@code ago}. */
    World unheldFor(String vf, Duration ago) {
      Lease l = ledger.leaseOfVf(PciAddress.parse(vf)).orElseThrow();
      ledger = ledger.with(l.withUnheldSince(Optional.of(NOW.minus(ago))));
      return this;
    }

    World running(String... vfs) {
      domains.add(new DomainInfo("one-1", UUID.nameUUIDFromBytes(new byte[] {1}), DomainState.RUNNING,
          Stream.of(vfs).map(v -> new PciHostdev(PciAddress.parse(v), Optional.empty(), false)).toList()));
      return this;
    }

    World member(int partition, Guid guid, Membership m, boolean managed) {
      members.add(new PartitionMember(new Pkey(partition), guid, m, managed));
      return this;
    }

    World unreachable() {
      view = new SubnetManagerView.Unreachable("ssh: connect to host sm1 port 22: Connection refused");
      return this;
    }

    Observation observe() {
      Map<PfName, List<PciAddress>> maps = Map.of(
          IB0, List.of(PciAddress.parse("07:00.1"), PciAddress.parse("07:00.2")),
          IB1, List.of(PciAddress.parse("09:00.1")));
      return new Observation(HOST, maps, ledger, domains, Map.of(), Map.of(), Map.of(), Map.of(), Map.of(),
          Set.of(), NOW, List.of())
          .with(Map.of("fabric", view != null ? view : new SubnetManagerView.Members(members)));
    }
  }

  static Arguments row(String name, Consumer<World> setup, String... expected) {
    return Arguments.of(name, setup, List.of(expected));
  }

  static Stream<Arguments> cases() {
    String join = "join GUID 00:00:aa:00:00:00:01:01 (ib0 VF 0) to partition 0x4e20 at subnet manager fabric (full)";
    String program = "program GUID 00:00:aa:00:00:00:01:01 on ib0 VF 0 (shows nothing it can read back)";
    return Stream.of(
        row("deploy prepares: the GUID joins its partition, no 'must be granted' warning", w -> w
            .lease(IB0, "07:00.1", G1, 20000, LeaseState.RESERVED, Duration.ZERO),
            join, program),
        row("converged: a full member held by its running domain", w -> w
            .lease(IB0, "07:00.1", G1, 20000, LeaseState.ATTACHED, OLD).running("0000:07:00.1")
            .member(0x4e20, G1, Membership.FULL, true)),
        row("an operator's own full entry for the GUID is enough", w -> w
            .lease(IB0, "07:00.1", G1, 20000, LeaseState.ATTACHED, OLD).running("0000:07:00.1")
            .member(0x4e20, G1, Membership.BOTH, false)),
        row("removed by hand: joined again", w -> w
            .lease(IB0, "07:00.1", G1, 20000, LeaseState.ATTACHED, OLD).running("0000:07:00.1"),
            join),
        row("limited member: made full", w -> w
            .lease(IB0, "07:00.1", G1, 20000, LeaseState.ATTACHED, OLD).running("0000:07:00.1")
            .member(0x4e20, G1, Membership.LIMITED, true),
            join),
        row("in the wrong partition: leaves it, joins its own", w -> w
            .lease(IB0, "07:00.1", G1, 20000, LeaseState.ATTACHED, OLD).running("0000:07:00.1")
            .member(0x0001, G1, Membership.FULL, true),
            "remove GUID 00:00:aa:00:00:00:01:01 from partition 0x0001 at subnet manager fabric: its lease asks for 0x4e20",
            join),
        row("shutdown gave it back: leaves before the release", w -> w
            .lease(IB0, "07:00.1", G1, 20000, LeaseState.RELEASING, OLD)
            .member(0x4e20, G1, Membership.FULL, true),
            "remove GUID 00:00:aa:00:00:00:01:01 from partition 0x4e20 at subnet manager fabric: its lease is being released",
            "release ib0 VF 0 (0000:07:00.1) leased to one-1: given back by the driver action on one-1"),
        row("detaching from a running domain: neither leaves nor joins yet", w -> w
            .lease(IB0, "07:00.1", G1, 20000, LeaseState.RELEASING, OLD).running("0000:07:00.1"),
            "detach ib0 VF 0 (0000:07:00.1) from one-1 (releasing)"),
        row("migrating out, its VF off the domain: the GUID leaves before the domain moves", w -> w
            .lease(IB0, "07:00.1", G1, 20000, LeaseState.MIGRATING_OUT, OLD).running()
            .member(0x4e20, G1, Membership.FULL, true),
            "remove GUID 00:00:aa:00:00:00:01:01 from partition 0x4e20 at subnet manager fabric: its VF has left one-1"),
        row("migrating out, VF still in the domain: detached first, the GUID stays", w -> w
            .lease(IB0, "07:00.1", G1, 20000, LeaseState.MIGRATING_OUT, OLD).running("0000:07:00.1")
            .member(0x4e20, G1, Membership.FULL, true),
            "detach ib0 VF 0 (0000:07:00.1) from one-1 (migrating_out)"),
        row("migrated: released here, the GUID the destination now has in the partition left alone", w -> w
            .lease(IB0, "07:00.1", G1, 20000, LeaseState.MIGRATED, OLD).running()
            .member(0x4e20, G1, Membership.FULL, true),
            "release ib0 VF 0 (0000:07:00.1) leased to one-1: given back by the driver action on one-1"),
        row("incoming migration before the domain arrives: no join (the source still has it)", w -> w
            .lease(IB0, "07:00.1", G1, 20000, LeaseState.MIGRATING_IN, Duration.ZERO)
            .member(0x4e20, G1, Membership.FULL, true),
            program),
        row("incoming migration before the domain arrives, not listed: still no join", w -> w
            .lease(IB0, "07:00.1", G1, 20000, LeaseState.MIGRATING_IN, Duration.ZERO),
            program),
        row("incoming migration, the domain arrived: joins before its VF is attached", w -> w
            .lease(IB0, "07:00.1", G1, 20000, LeaseState.MIGRATING_IN, Duration.ZERO).running(),
            join, program),
        row("stale lease past grace: leaves, then released", w -> w
            .lease(IB0, "07:00.1", G1, 20000, LeaseState.ATTACHED, OLD).unheldFor("07:00.1", OLD)
            .member(0x4e20, G1, Membership.FULL, true),
            "remove GUID 00:00:aa:00:00:00:01:01 from partition 0x4e20 at subnet manager fabric: its lease is being released",
            "release ib0 VF 0 (0000:07:00.1) leased to one-1: domain one-1 does not exist (for 600 s)"),
        row("a lease waiting for its grace stays a member", w -> w
            .lease(IB0, "07:00.1", G1, 20000, LeaseState.ATTACHED, OLD).unheldFor("07:00.1", Duration.ofSeconds(60))
            .member(0x4e20, G1, Membership.FULL, true),
            "wait 240 s, then release ib0 VF 0 (0000:07:00.1) leased to one-1 unless it is held again: domain one-1"
                + " does not exist (since 2026-11-25T11:59:00Z)"),
        row("a member whose lease is gone: taken out", w -> w
            .member(0x4e20, G2, Membership.FULL, true),
            "remove GUID 00:00:aa:00:00:00:01:02 from partition 0x4e20 at subnet manager fabric: no lease holds it"),
        row("the operator's hand-written member is left alone", w -> w
            .member(0x4e20, G2, Membership.FULL, false)),
        row("unreachable SM, lease attached: reported only", w -> w
            .lease(IB0, "07:00.1", G1, 20000, LeaseState.ATTACHED, OLD).running("0000:07:00.1").unreachable(),
            "report (subnet manager): subnet manager fabric cannot be asked: ssh: connect to host sm1 port 22:"
                + " Connection refused; asked again next pass"),
        row("unreachable SM during deploy: the join is still tried (and fails the deploy)", w -> w
            .lease(IB0, "07:00.1", G1, 20000, LeaseState.RESERVED, Duration.ZERO).unreachable(),
            join, program,
            "report (subnet manager): subnet manager fabric cannot be asked: ssh: connect to host sm1 port 22:"
                + " Connection refused; asked again next pass"),
        row("unreachable SM: a lease to release is kept, never lost", w -> w
            .lease(IB0, "07:00.1", G1, 20000, LeaseState.RELEASING, OLD).unreachable(),
            "report (subnet manager): subnet manager fabric cannot be asked: ssh: connect to host sm1 port 22:"
                + " Connection refused; asked again next pass",
            "report (subnet manager): lease of ib0 VF 0 kept until subnet manager fabric can take GUID"
                + " 00:00:aa:00:00:00:01:01 out"),
        row("an untagged NIC joins nothing", w -> w
            .lease(IB0, "07:00.1", G1, 1, LeaseState.ATTACHED, OLD).running("0000:07:00.1")
            .member(0x0001, G1, Membership.FULL, true)),
        row("a PF without a subnet manager still warns that the SM must grant it", w -> w
            .lease(IB1, "09:00.1", G2, 20000, LeaseState.RESERVED, Duration.ZERO),
            "program GUID 00:00:aa:00:00:00:01:02 on ib1 VF 0 (shows nothing it can read back)",
            "report (subnet manager): ib1 has no per-VF pkey tables (mlx5): partition 20000 must be granted to GUID"
                + " 00:00:aa:00:00:00:01:02 by the subnet manager"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void plans(String name, Consumer<World> setup, List<String> expected) {
    World w = new World();
    setup.accept(w);
    assertThat(Planner.plan(w.observe()).actions()).extracting(Action::describe).containsExactlyElementsOf(expected);
  }
}
