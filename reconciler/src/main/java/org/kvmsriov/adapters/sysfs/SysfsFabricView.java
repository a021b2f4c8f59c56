package org.kvmsriov.adapters.sysfs;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.kvmsriov.port.FabricView;
import org.kvmsriov.model.Guid;
import org.kvmsriov.model.Mode;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.PfSpec;
import org.kvmsriov.model.Pkey;
import org.kvmsriov.model.VfSource;
import org.kvmsriov.port.GuidProgrammer;
import org.kvmsriov.port.IbPort;
import org.kvmsriov.port.PkeyMapper;
import org.kvmsriov.port.PkeySlot;
import org.kvmsriov.port.VfInfo;

/** The engine's view of the fabric, over {@link SysfsFabric}: host.yaml's PF specs in, sysfs out. */
public final class SysfsFabricView implements FabricView {

  private final SysfsFabric fabric;
  private final Path root;

  public SysfsFabricView(Path sysfsRoot) {
    this.fabric = new SysfsFabric(sysfsRoot);
    this.root = sysfsRoot;
  }

  @Override
  public List<PciAddress> vfMap(PfSpec pf) {
    if (pf.vfs() instanceof VfSource.Listed listed) {
      return listed.addresses();
    }
    return fabric.vfs(pf.name(), pfAddress(pf)).stream().map(VfInfo::address).toList();
  }

  @Override
  public Optional<String> unusable(PfSpec pf, PciAddress vf) {
    if (!fabric.exists(vf)) {
      return Optional.of("is not present (no sys/bus/pci/devices/" + vf + ")");
    }
    Optional<PciAddress> physfn = fabric.physfn(vf);
    if (physfn.isEmpty()) {
      return Optional.of("is not a VF (it has no physfn)");
    }
    PciAddress own = pfAddress(pf);
    if (!physfn.get().equals(own)) {
      return Optional.of("is a VF of " + physfn.get() + ", not of " + pf.name() + " (" + own + ")");
    }
    return fabric.driver(vf).filter(VfInfo.FOREIGN_DRIVERS::contains)
        .map(d -> "is bound to " + d + ", which hands it to another user than libvirt");
  }

  @Override
  public PciAddress pfAddress(PfSpec pf) {
    return pf.pciAddress().orElseGet(() -> fabric.pfAddress(pf.name()));
  }

  @Override
  public Optional<PciAddress> physfn(PciAddress device) {
    return fabric.physfn(device);
  }

  @Override
  public List<org.kvmsriov.port.NumaNode> numaNodes() {
    return fabric.numaNodes();
  }

  @Override
  public OptionalInt numaNode(PciAddress device) {
    return fabric.numaNode(device);
  }

  private IbPort port(PfSpec pf) {
    if (!(pf.mode() instanceof Mode.MlnxOfed2 ib)) {
      throw new IllegalStateException("PF " + pf.name() + " is not in mlnx_ofed2 mode");
    }
    return fabric.ibPort(pf.name(), Optional.ofNullable(ib.ofed()));
  }

  private GuidProgrammer programmer(PfSpec pf) {
    return fabric.guidProgrammer(pf.name(), port(pf));
  }

  private Optional<PkeyMapper> pkeys(PfSpec pf) {
    return fabric.pkeyMapper(pf.name(), port(pf));
  }

  @Override
  public Optional<Guid> portGuid(PfSpec pf, int vfIndex) {
    // The requested (admin) GUID when the interface shows one: it reads back at once, where the
    // operational one follows the subnet manager later.
    return programmer(pf).read(vfIndex).flatMap(s -> s.adminPortGuid().or(s::operPortGuid));
  }

  @Override
  public void programGuid(PfSpec pf, int vfIndex, Guid guid) {
    programmer(pf).program(vfIndex, guid);
  }

  @Override
  public void resetGuid(PfSpec pf, int vfIndex, Optional<Guid> original) {
    GuidProgrammer p = programmer(pf);
    if (original.isPresent() && !original.get().isUnset()) {
      p.program(vfIndex, original.get());
    } else {
      p.clear(vfIndex);
    }
  }

  @Override
  public void resetFunction(PciAddress vf) {
    fabric.functionReset(vf);
  }

  @Override
  public Optional<List<Optional<Pkey>>> portPkeys(PfSpec pf) {
    return pkeys(pf).map(PkeyMapper::portPkeys);
  }

  @Override
  public OptionalInt pkeySlot0(PfSpec pf, int vfIndex) {
    PkeyMapper m = pkeys(pf).orElseThrow(() -> new IllegalStateException(pf.name() + " has no per-VF pkey tables"));
    return m.vfSlots(vfIndex).get(0) instanceof PkeySlot.Mapped mapped ? OptionalInt.of(mapped.physicalIndex())
        : OptionalInt.empty();
  }

  @Override
  public void mapPkey(PfSpec pf, int vfIndex, OptionalInt physicalIndex) {
    PkeyMapper m = pkeys(pf).orElseThrow(() -> new IllegalStateException(pf.name() + " has no per-VF pkey tables"));
    int size = m.vfSlots(vfIndex).size();
    // Index 0 first: a VF is never left pointing at two partitions while we rewrite its table.
    m.setVfSlot(vfIndex, 0, physicalIndex.isPresent() ? PkeySlot.mapped(physicalIndex.getAsInt()) : PkeySlot.blocked());
    for (int v = 1; v < size; v++) {
      m.setVfSlot(vfIndex, v, PkeySlot.blocked());
    }
  }

  @Override
  public void resetPkey(PfSpec pf, int vfIndex) {
    PkeyMapper m = pkeys(pf).orElseThrow(() -> new IllegalStateException(pf.name() + " has no per-VF pkey tables"));
    List<Optional<Pkey>> table = m.portPkeys();
    int def = 0;
    for (int i = 0; i < table.size(); i++) {
      if (table.get(i).map(k -> k.partition() == 0x7fff).orElse(false)) {
        def = i;
        break;
      }
    }
    mapPkey(pf, vfIndex, OptionalInt.of(def));
  }

  Path root() {
    return root;
  }
}
