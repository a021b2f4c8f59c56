package org.kvmsriov.port;

import java.util.List;
import java.util.Optional;
import org.kvmsriov.model.Pkey;

/**
 * Per-VF partition tables of one HCA port (ConnectX-3 / mlx4 only; mlx5 partitions live in the
 * subnet manager). A VF sees a virtual pkey table whose entries point into the port's physical
 * table. Failures are {@link FabricException}s.
 */
public interface PkeyMapper {

  /**
   * The port's physical pkey table in index order; an empty slot ({@code 0x0000}) is empty.
   */
  List<Optional<Pkey>> portPkeys();

  /** The VF's virtual pkey table: entry v is where virtual index v points. */
  List<PkeySlot> vfSlots(int vf);

  /**
   * Points the VF's virtual index {@code virtualIndex} at {@code slot}, then reads it back.
   *
   * @throws IllegalArgumentException when an index is outside the tables
   */
  void setVfSlot(int vf, int virtualIndex, PkeySlot slot);
}
