package org.kvmsriov.port;

import java.nio.file.Path;
import java.util.Optional;
import org.kvmsriov.model.VmId;
import org.kvmsriov.opennebula.VmTemplate;

/**
 * VM templates kept for the VMM actions: OpenNebula gives a NIC's VLAN_ID to network drivers,
 * not to deploy (whose stdin is the libvirt XML). The network driver's {@code pre} step, which
 * runs before deploy, restore and migrate, stores the template; 6.x also writes {@code vm.xml}
 * beside the deployment file, which wins when present.
 */
public interface TemplateStore {

  /** Stores the template of {@code vm} (the raw XML), replacing an older one atomically. */
  void store(VmId vm, String xml);

  void forget(VmId vm);

  /** The template of {@code vm}: {@code <deployment dir>/vm.xml} (6.x), else the stored one. */
  Optional<VmTemplate> load(VmId vm, Optional<Path> deploymentDir);
}
