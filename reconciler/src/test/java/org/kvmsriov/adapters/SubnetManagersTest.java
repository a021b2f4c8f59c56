package org.kvmsriov.adapters;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.kvmsriov.adapters.opensm.OpenSmSubnetManager;
import org.kvmsriov.adapters.ufm.UfmSubnetManager;
import org.kvmsriov.model.SubnetManagerSpec;

/** Each kind of subnet manager host.yaml names gets its adapter, under its name. */
class SubnetManagersTest {

  @Test
  void opensAnAdapterPerKind() {
    var opensm = SubnetManagers.open(new SubnetManagerSpec.OpenSm("fabric", Path.of("/etc/opensm/partitions.conf"),
        Optional.empty(), SubnetManagerSpec.Reload.HUP, Optional.empty()));
    var ufm = SubnetManagers.open(new SubnetManagerSpec.Ufm("ufm", URI.create("https://ufm.example/"),
        Path.of("/etc/kvm-sriov/ufm.credentials"), false));

    assertThat(opensm).isInstanceOf(OpenSmSubnetManager.class);
    assertThat(opensm.name()).isEqualTo("fabric");
    assertThat(ufm).isInstanceOf(UfmSubnetManager.class);
    assertThat(ufm.name()).isEqualTo("ufm");
  }
}
