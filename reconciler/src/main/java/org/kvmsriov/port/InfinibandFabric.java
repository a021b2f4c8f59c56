package org.kvmsriov.port;

import java.util.Optional;
import org.kvmsriov.model.OfedPort;
import org.kvmsriov.model.PfName;

/**
 * InfiniBand side of a PF: which HCA port it is, and the strategies that program its VFs' GUIDs
 * and partitions, chosen from what the host shows (the driver's sysfs), never from configuration.
 */
public interface InfinibandFabric {

  /**
   * The HCA port of a PF. The HCA comes from the PF's PCI device ({@code infiniband/<hca>}),
   * unless {@code configured} names one (imported add-on configurations); the port from {@code
   * configured}, else the HCA's only port.
   *
   * @throws FabricException when the PF has no HCA, or the named HCA or port does not exist
   */
  IbPort ibPort(PfName pf, Optional<OfedPort> configured);

  /** The GUID programmer for the PF's VFs on {@code port}: mlx4 alias GUIDs, MLNX_OFED or netlink. */
  GuidProgrammer guidProgrammer(PfName pf, IbPort port);

  /** The per-VF pkey tables of {@code port}; empty unless the HCA has them (mlx4). */
  Optional<PkeyMapper> pkeyMapper(PfName pf, IbPort port);
}
