package org.kvmsriov.port;

import java.util.Objects;
import java.util.Optional;
import org.kvmsriov.model.Guid;

/**
 * What an InfiniBand VF's GUIDs look like now, as far as the driver's interface shows them. Each
 * field is empty when the interface has no such value (mlx4 has no per-VF node GUID; MLNX_OFED
 * shows only the operational port GUID). GUIDs are reported as read, all-zero and all-ones
 * included ({@link Guid#isUnset()} tells them apart).
 *
 * @param vf the VF index
 * @param nodeGuid the VF's node GUID (MLNX_OFED {@code sriov/N/node})
 * @param adminPortGuid the port GUID requested for the VF (mlx4 {@code admin_guids/<slave>}):
 *     applied asynchronously, so it may differ from {@code operPortGuid} for a while
 * @param operPortGuid the port GUID in use (mlx4 {@code gids/<slave>} low 64 bits, MLNX_OFED
 *     {@code sriov/N/port})
 * @param policy the VF's link policy where the interface shows it
 */
public record IbVfState(
    int vf,
    Optional<Guid> nodeGuid,
    Optional<Guid> adminPortGuid,
    Optional<Guid> operPortGuid,
    Optional<VfLinkPolicy> policy) {

  public IbVfState {
    if (vf < 0) {
      throw new IllegalArgumentException("VF index " + vf + " is negative");
    }
    Objects.requireNonNull(nodeGuid, "nodeGuid");
    Objects.requireNonNull(adminPortGuid, "adminPortGuid");
    Objects.requireNonNull(operPortGuid, "operPortGuid");
    Objects.requireNonNull(policy, "policy");
  }

  /**
   * True when every GUID the interface shows equals {@code guid}: the check drift detection makes
   * after {@link GuidProgrammer#program}. An asynchronous operational GUID that has not caught up
   * yet makes this false, which the next reconcile pass sees again.
   */
  public boolean shows(Guid guid) {
    return nodeGuid.map(guid::equals).orElse(true)
        && adminPortGuid.map(guid::equals).orElse(true)
        && operPortGuid.map(guid::equals).orElse(true);
  }
}
