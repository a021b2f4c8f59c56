package org.kvmsriov.adapters.sysfs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.kvmsriov.model.Guid;
import org.kvmsriov.port.GuidInterface;
import org.kvmsriov.port.GuidProgrammer;
import org.kvmsriov.port.IbPort;
import org.kvmsriov.port.IbVfState;

/**
 * ConnectX-3 VF port GUIDs through alias GUIDs: {@code iov/ports/P/admin_guids/<slave>}. mlx4 has
 * no per-VF node GUID. The admin value reads back at once; the port uses it once the subnet
 * manager accepted it, visible in {@code iov/ports/P/gids/<slave>} ({@link IbVfState#operPortGuid}).
 */
final class Mlx4GuidProgrammer implements GuidProgrammer {

  /** Deletes the alias GUID entry (the add-on's clear_guid). */
  private static final Guid DELETE = new Guid(-1L);

  private final SysfsWriter writer;
  private final Path portDir;
  private final int numVfs;

  /** @param numVfs the PF's enabled VFs: the alias table has entries beyond them that are no VF's */
  Mlx4GuidProgrammer(SysfsWriter writer, Path hca, IbPort port, int numVfs) {
    this.writer = writer;
    this.portDir = Mlx4Iov.portDir(hca, port.port());
    this.numVfs = numVfs;
  }

  @Override
  public GuidInterface kind() {
    return GuidInterface.MLX4_ALIAS_GUID;
  }

  @Override
  public Optional<IbVfState> read(int vf) {
    int slave = Mlx4Iov.slave(vf);
    Guid admin = Mlx4Iov.adminGuid(adminFile(slave));
    Guid oper = Mlx4Iov.gidPortGuid(portDir.resolve("gids").resolve(Integer.toString(slave)));
    return Optional.of(new IbVfState(vf, Optional.empty(), Optional.of(admin), Optional.of(oper),
        Optional.empty()));
  }

  @Override
  public Optional<IbVfState> program(int vf, Guid guid) {
    if (guid.isUnset()) {
      throw new IllegalArgumentException("GUID " + guid + " means 'unset'; refusing to program it on VF " + vf);
    }
    write(vf, guid);
    return read(vf);
  }

  @Override
  public void restore(IbVfState saved) {
    write(saved.vf(), saved.adminPortGuid().orElseThrow(() -> new IllegalArgumentException(
        "saved state of VF " + saved.vf() + " has no admin GUID: it was not read from mlx4")));
  }

  @Override
  public void clear(int vf) {
    write(vf, DELETE);
  }

  private void write(int vf, Guid guid) {
    Path file = adminFile(Mlx4Iov.slave(vf));
    // The kernel parses "%llx" and shows "%llx\n": writing that form makes the read-back exact.
    writer.write(file, Long.toHexString(guid.value()));
    Guid back = Mlx4Iov.adminGuid(file);
    if (!back.equals(guid)) {
      throw new SysfsException(file, "reads back " + back + " after writing " + guid);
    }
  }

  private Path adminFile(int slave) {
    if (slave > numVfs) {
      throw new IllegalArgumentException("VF " + (slave - 1) + " does not exist: the PF has " + numVfs + " VFs");
    }
    Path file = portDir.resolve("admin_guids").resolve(Integer.toString(slave));
    if (!Files.exists(file)) {
      throw new SysfsException(file, "does not exist: no VF " + (slave - 1) + " on this port");
    }
    return file;
  }
}
