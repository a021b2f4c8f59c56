package org.kvmsriov.plan;

import java.util.List;
import org.kvmsriov.port.PartitionMember;

/** What one subnet manager showed a pass: this host's GUIDs it lists, or why it could not be asked. */
public sealed interface SubnetManagerView {

  /** @param members the memberships it lists for GUIDs this host knows as its own */
  record Members(List<PartitionMember> members) implements SubnetManagerView {
    public Members {
      members = List.copyOf(members);
    }
  }

  /** It could not be asked (down, refused, a file it cannot read): reported, asked again next pass. */
  record Unreachable(String reason) implements SubnetManagerView {}
}
