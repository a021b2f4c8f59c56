package org.kvmsriov.port;

import java.util.List;

/**
 * One NUMA node of the host.
 *
 * @param id the node number ({@code nodeN})
 * @param cpus its CPUs in ascending order; empty for a memory-only node
 */
public record NumaNode(int id, List<Integer> cpus) {
  public NumaNode {
    if (id < 0) {
      throw new IllegalArgumentException("NUMA node " + id + " is negative");
    }
    cpus = List.copyOf(cpus);
  }
}
