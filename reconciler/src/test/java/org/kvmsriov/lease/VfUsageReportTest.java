package org.kvmsriov.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.kvmsriov.testsupport.HoldersOnlyHypervisor.domain;
import static org.kvmsriov.testsupport.Leases.attached;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.kvmsriov.model.Mode;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.PfName;
import org.kvmsriov.model.PfSpec;
import org.kvmsriov.model.VfSource;
import org.kvmsriov.port.DomainInfo;
import org.kvmsriov.port.DomainState;
import org.kvmsriov.port.LedgerState;

/** The status report compares the ledger with libvirt's running domains, VF by VF. */
class VfUsageReportTest {

  final PfName ib0 = new PfName("ib0");
  final List<PciAddress> vfs = List.of(PciAddress.parse("0000:07:00.1"), PciAddress.parse("0000:07:00.2"));
  final List<PfSpec> pfs = List.of(new PfSpec(ib0, Optional.empty(), new Mode.Generic(), new VfSource.Listed(vfs), List.of()));

  @Test
  void aLeaseNamingTheDomainByUuidMatchesItsHolder() {
    DomainInfo d = domain("one-42", DomainState.RUNNING, "0000:07:00.1");
    LedgerState st = LedgerState.empty().with(attached("ib0", 0, "0000:07:00.1", d.uuid().toString()));
    VfUsageReport r = VfUsageReport.of(pfs, Map.of(ib0, vfs), Map.of(), st, Optional.of(List.of(d)));
    assertThat(r.pfs().get(0).drift()).isEmpty();
    assertThat(r.pfs().get(0).vfs().get(0).heldBy()).containsExactly("one-42");
    assertThat(r.pfs().get(0).free()).isEqualTo(1);
  }

  @Test
  void aVfInTwoRunningDomainsIsDrift() {
    LedgerState st = LedgerState.empty().with(attached("ib0", 1, "0000:07:00.2", "one-1"));
    VfUsageReport r = VfUsageReport.of(pfs, Map.of(ib0, vfs), Map.of(), st, Optional.of(List.of(
        domain("one-1", DomainState.RUNNING, "0000:07:00.2"), domain("one-2", DomainState.BLOCKED, "0000:07:00.2"))));
    assertThat(r.pfs().get(0).drift()).extracting(VfUsageReport.Drift::message)
        .containsExactly("VF 1 (0000:07:00.2) is leased to one-1 but running domains one-1, one-2 hold it");
  }

  @Test
  void withoutLibvirtThereIsNoDriftAndNoHolder() {
    LedgerState st = LedgerState.empty().with(attached("ib0", 0, "0000:07:00.1", "one-1"));
    VfUsageReport r = VfUsageReport.of(pfs, Map.of(ib0, vfs), Map.of(), st, Optional.empty());
    assertThat(r.libvirtSeen()).isFalse();
    assertThat(r.pfs().get(0).drift()).isEmpty();
    assertThat(r.pfs().get(0).leased()).isEqualTo(1);
    assertThat(r.pfs().get(0).free()).isEqualTo(1);
  }

  @Test
  void aLeaseWhoseIndexDisagreesWithTheMapIsStray() {
    LedgerState st = LedgerState.empty().with(attached("ib0", 5, "0000:07:00.1", "one-1"));
    VfUsageReport r = VfUsageReport.of(pfs, Map.of(ib0, vfs), Map.of(), st, Optional.of(List.of()));
    assertThat(r.strayLeases()).hasSize(1);
    assertThat(r.pfs().get(0).leased()).isZero();
    assertThat(r.pfs().get(0).free()).as("a deploy would not take a VF any lease names").isEqualTo(1);
  }

  @Test
  void aMissingVfIsNeitherFreeNorLeased() {
    VfUsageReport r = VfUsageReport.of(pfs, Map.of(ib0, vfs), Map.of(vfs.get(1), "is not present"),
        LedgerState.empty(), Optional.of(List.of()));
    assertThat(r.pfs().get(0).free()).isEqualTo(1);
    assertThat(r.pfs().get(0).missing()).isEqualTo(1);
    assertThat(r.pfs().get(0).vfs().get(1).missing()).contains("is not present");
  }
}
