package org.kvmsriov.lease;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.PfName;
import org.kvmsriov.model.PfSpec;
import org.kvmsriov.port.DomainInfo;
import org.kvmsriov.port.Lease;
import org.kvmsriov.port.LeaseState;
import org.kvmsriov.port.LedgerState;
import org.kvmsriov.port.PciHostdev;

/**
 * What {@code kvm-sriov status} shows: per PF, each VF with its lease and the running domains
 * libvirt shows holding it, the counts, and where the ledger and libvirt disagree.
 *
 * @param pfs one entry per PF of host.yaml, in file order
 * @param strayLeases leases of a VF that is not in its PF's VF map (or of a PF not in host.yaml)
 * @param libvirtSeen false when libvirt could not be asked: holders are then unknown and no drift
 *     that needs libvirt is reported
 */
public record VfUsageReport(List<PfUsage> pfs, List<Lease> strayLeases, boolean libvirtSeen) {

  public VfUsageReport {
    pfs = List.copyOf(pfs);
    strayLeases = List.copyOf(strayLeases);
  }

  /**
   * One VF.
   *
   * @param index VF index
   * @param vf its address
   * @param lease its lease, if any
   * @param heldBy names of the running domains whose XML holds it (more than one is drift)
   * @param missing why the host cannot give it to a VM (absent, not a VF of this PF, bound to a
   *     driver kvm-sriov does not take), empty when it can
   * @param leasedElsewhere a lease of another PF or VF index names this address (a stray lease):
   *     a deploy would not take it either
   */
  public record VfUse(int index, PciAddress vf, Optional<Lease> lease, List<String> heldBy, Optional<String> missing,
      boolean leasedElsewhere) {
    public VfUse {
      heldBy = List.copyOf(heldBy);
    }

    /** Present, usable, not leased (in any state, reserved included) and not held by a running domain. */
    public boolean free() {
      return lease.isEmpty() && heldBy.isEmpty() && missing.isEmpty() && !leasedElsewhere;
    }
  }

  /**
   * One PF.
   *
   * @param pf its name
   * @param mode its mode's host.yaml name
   * @param vfs its VFs in index order
   * @param drift disagreements between the ledger and libvirt about these VFs
   */
  public record PfUsage(PfName pf, String mode, List<VfUse> vfs, List<Drift> drift) {
    public PfUsage {
      vfs = List.copyOf(vfs);
      drift = List.copyOf(drift);
    }

    public int total() {
      return vfs.size();
    }

    public int leased() {
      return (int) vfs.stream().filter(v -> v.lease().isPresent()).count();
    }

    /** Held by a running domain without a lease. */
    public int untracked() {
      return (int) vfs.stream().filter(v -> v.lease().isEmpty() && !v.heldBy().isEmpty()).count();
    }

    public int free() {
      return (int) vfs.stream().filter(VfUse::free).count();
    }

    /** In the VF map but not a VF the host can give to a VM. */
    public int missing() {
      return (int) vfs.stream().filter(v -> v.missing().isPresent()).count();
    }
  }

  /**
   * A disagreement between the ledger and libvirt about one VF.
   *
   * <pre>
   * Drift = HeldWithoutLease(vf, domain) | HolderDiffers(lease, holders) | AttachedNotHeld(lease)
   * </pre>
   */
  public sealed interface Drift permits HeldWithoutLease, HolderDiffers, AttachedNotHeld {
    /** One sentence for an operator. */
    String message();
  }

  /** A running domain holds a VF the ledger has no lease for. */
  public record HeldWithoutLease(int index, PciAddress vf, String domain) implements Drift {
    @Override
    public String message() {
      return "VF " + index + " (" + vf + ") is in running domain " + domain + " but has no lease";
    }
  }

  /** The lease names another domain (or none) than the running domain(s) holding the VF. */
  public record HolderDiffers(Lease lease, List<String> holders) implements Drift {
    public HolderDiffers {
      holders = List.copyOf(holders);
    }

    @Override
    public String message() {
      return "VF " + lease.vfIndex() + " (" + lease.vf() + ") is leased to "
          + lease.domain().orElse("an unidentified domain (adopted from the add-on)") + " but running domain"
          + (holders.size() > 1 ? "s " : " ") + String.join(", ", holders) + (holders.size() > 1 ? " hold" : " holds")
          + " it";
    }
  }

  /** The lease says attached but no running domain holds the VF. */
  public record AttachedNotHeld(Lease lease) implements Drift {
    @Override
    public String message() {
      return "VF " + lease.vfIndex() + " (" + lease.vf() + ") is leased to " + lease.domain().orElse("?")
          + " as attached but no running domain holds it";
    }
  }

  /**
   * Builds the report.
   *
   * @param pfs host.yaml's PFs
   * @param vfMaps each PF's VFs in index order (listed, or discovered from sysfs)
   * @param missing why a mapped VF cannot be given to a VM, for those that cannot
   * @param ledger the leases
   * @param domains libvirt's domains, or empty when libvirt could not be asked
   */
  public static VfUsageReport of(List<PfSpec> pfs, Map<PfName, List<PciAddress>> vfMaps,
      Map<PciAddress, String> missing, LedgerState ledger, Optional<List<DomainInfo>> domains) {
    Map<PciAddress, List<DomainInfo>> holders = new HashMap<>();
    domains.ifPresent(ds -> ds.stream().filter(DomainInfo::isActive).forEach(d -> d.hostdevs().stream()
        .map(PciHostdev::source).distinct()
        .forEach(vf -> holders.computeIfAbsent(vf, k -> new ArrayList<>()).add(d))));
    List<Lease> placed = new ArrayList<>();
    List<PfUsage> out = new ArrayList<>();
    for (PfSpec pf : pfs) {
      List<PciAddress> map = vfMaps.getOrDefault(pf.name(), List.of());
      List<VfUse> uses = new ArrayList<>();
      List<Drift> drift = new ArrayList<>();
      for (int i = 0; i < map.size(); i++) {
        PciAddress vf = map.get(i);
        final int index = i;
        Optional<Lease> lease = ledger.leaseOfVf(vf).filter(l -> l.pf().equals(pf.name()) && l.vfIndex() == index);
        lease.ifPresent(placed::add);
        List<DomainInfo> held = holders.getOrDefault(vf, List.of());
        List<String> names = held.stream().map(DomainInfo::name).toList();
        uses.add(new VfUse(i, vf, lease, names, Optional.ofNullable(missing.get(vf)),
            lease.isEmpty() && ledger.leaseOfVf(vf).isPresent()));
        if (domains.isEmpty()) {
          continue;
        }
        if (lease.isEmpty()) {
          names.forEach(n -> drift.add(new HeldWithoutLease(index, vf, n)));
        } else if (!held.isEmpty()) {
          Lease l = lease.get();
          boolean same = held.size() == 1 && l.domain().map(d -> names(held.get(0)).contains(d)).orElse(false);
          if (!same) {
            drift.add(new HolderDiffers(l, names));
          }
        } else if (lease.get().state() == LeaseState.ATTACHED) {
          drift.add(new AttachedNotHeld(lease.get()));
        }
      }
      out.add(new PfUsage(pf.name(), pf.mode().yamlName(), uses, drift));
    }
    List<Lease> stray = ledger.leases().values().stream().filter(l -> !placed.contains(l)).toList();
    return new VfUsageReport(out, stray, domains.isPresent());
  }

  /** The names a lease may use for a domain: OpenNebula stores either the name or the UUID. */
  private static List<String> names(DomainInfo d) {
    return List.of(d.name(), d.uuid().toString());
  }
}
