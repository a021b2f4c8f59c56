package org.kvmsriov.adapters.sysfs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.Pkey;
import org.kvmsriov.port.IbPort;
import org.kvmsriov.port.PkeyMapper;
import org.kvmsriov.port.PkeySlot;

/**
 * ConnectX-3 per-VF pkey tables: {@code iov/<slave dir>/ports/P/pkey_idx/<v>} maps a VF's virtual
 * index to an index of the port's table {@code ports/P/pkeys/<i>}.
 */
final class Mlx4PkeyMapper implements PkeyMapper {

  private static final Pattern PKEY = Pattern.compile("0x[0-9a-f]{4}");
  /** The kernel prints "%d"; leading zeros never appear (and would be octal on the way in). */
  private static final Pattern INDEX = Pattern.compile("0|[1-9][0-9]{0,3}");
  private static final String NONE = "none";

  private final SysfsWriter writer;
  private final Path hca;
  private final int port;
  private final PciAddress pf;

  Mlx4PkeyMapper(SysfsWriter writer, Path hca, IbPort port, PciAddress pf) {
    this.writer = writer;
    this.hca = hca;
    this.port = port.port();
    this.pf = pf;
  }

  @Override
  public List<Optional<Pkey>> portPkeys() {
    List<Optional<Pkey>> out = new ArrayList<>();
    for (Path file : SysfsText.numbered(hca.resolve("ports").resolve(Integer.toString(port)).resolve("pkeys"), "")) {
      String s = SysfsText.line(file);
      if (!PKEY.matcher(s).matches()) {
        throw new SysfsException(file, "holds '" + s + "', expected a pkey like 0x8001");
      }
      int v = Integer.parseInt(s.substring(2), 16);
      out.add(v == 0 ? Optional.empty() : Optional.of(new Pkey(v)));
    }
    return List.copyOf(out);
  }

  @Override
  public List<PkeySlot> vfSlots(int vf) {
    List<PkeySlot> out = new ArrayList<>();
    for (Path file : SysfsText.numbered(pkeyIdxDir(vf), "")) {
      out.add(slot(file));
    }
    return List.copyOf(out);
  }

  @Override
  public void setVfSlot(int vf, int virtualIndex, PkeySlot slot) {
    Path dir = pkeyIdxDir(vf);
    Path file = dir.resolve(Integer.toString(virtualIndex));
    if (virtualIndex < 0 || !Files.exists(file)) {
      throw new IllegalArgumentException("VF " + vf + " has no virtual pkey index " + virtualIndex);
    }
    String value = NONE;
    if (slot instanceof PkeySlot.Mapped m) {
      int size = portPkeys().size();
      if (m.physicalIndex() >= size) {
        throw new IllegalArgumentException("physical pkey index " + m.physicalIndex()
            + " is outside the port's table of " + size);
      }
      value = Integer.toString(m.physicalIndex()); // decimal: a leading 0 would be octal
    }
    writer.write(file, value);
    PkeySlot back = slot(file);
    if (!back.equals(slot)) {
      throw new SysfsException(file, "reads back " + back + " after writing '" + value + "'");
    }
  }

  private static PkeySlot slot(Path file) {
    String s = SysfsText.line(file);
    if (s.equals(NONE)) {
      return PkeySlot.blocked();
    }
    if (!INDEX.matcher(s).matches()) {
      throw new SysfsException(file, "holds '" + s + "', expected 'none' or a pkey table index");
    }
    return PkeySlot.mapped(Integer.parseInt(s));
  }

  /** The VF's pkey_idx directory, checked through gid_idx/0 to belong to the VF's slave. */
  private Path pkeyIdxDir(int vf) {
    int slave = Mlx4Iov.slave(vf);
    Path ports = hca.resolve("iov").resolve(Mlx4Iov.slaveDirName(pf, slave)).resolve("ports")
        .resolve(Integer.toString(port));
    if (!Files.isDirectory(ports)) {
      throw new SysfsException(ports, "does not exist: no VF " + vf + " on port " + port);
    }
    Path gidIdx = ports.resolve("gid_idx/0");
    String s = SysfsText.line(gidIdx);
    if (!s.equals(Integer.toString(slave))) {
      throw new SysfsException(gidIdx, "holds '" + s + "', expected slave " + slave + " (VF " + vf + ")");
    }
    return ports.resolve("pkey_idx");
  }
}
