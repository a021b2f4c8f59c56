package org.kvmsriov.port;

import java.util.Optional;
import org.kvmsriov.model.Guid;

/**
 * Programs the GUIDs of one PF's InfiniBand VFs through one kernel interface. Obtained from
 * {@link InfinibandFabric#guidProgrammer}, which picks the implementation from what the host
 * shows (mlx4 {@code iov/}, MLNX_OFED {@code sriov/}, else netlink), never from configuration.
 *
 * <p>VFs are named by their VF index (virtfnN). A GUID takes effect in a VF's own driver only
 * after the VF is (re)bound, which libvirt's managed hostdev does when it hands the VF to a VM.
 * Failures are {@link FabricException}s.
 */
public interface GuidProgrammer {

  /** Which kernel interface this programmer writes. */
  GuidInterface kind();

  /**
   * The VF's GUIDs as the interface shows them, or empty when it cannot show them (mainline
   * netlink reports only values cached since the driver loaded, which prove nothing).
   */
  Optional<IbVfState> read(int vf);

  /**
   * Gives the VF {@code guid} as its port GUID, and as its node GUID where the interface has one;
   * sets the link policy to follow the port where the interface has one. Verifies by read-back
   * where the kernel answers synchronously, and returns what the interface shows afterwards
   * (empty for netlink).
   *
   * @throws IllegalArgumentException when {@code guid} is all-zero or all-ones (means "unset")
   * @throws FabricException when the write fails or does not read back
   */
  Optional<IbVfState> program(int vf, Guid guid);

  /**
   * Puts back GUIDs saved earlier with {@link #read}, unset values included (on mlx4, {@code 0}
   * asks the subnet manager to assign one and all-ones deletes the alias entry).
   */
  void restore(IbVfState saved);

  /**
   * Leaves the VF without an identity of ours: mlx4 deletes the alias GUID (all-ones, as the
   * add-on's clear_guid did); mlx5 writes all-zero node and port GUIDs.
   */
  void clear(int vf);
}
