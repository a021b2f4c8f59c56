package org.kvmsriov.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kvmsriov.port.DomainInfo;
import org.kvmsriov.testsupport.CliRun;
import org.kvmsriov.testsupport.DriverWorld;
import org.kvmsriov.testsupport.FileTrees;
import org.kvmsriov.testsupport.TreeSnapshot;

/**
 * sysfs writes stay inside --sysfs-root: an HCA link that leads out of the root (here to a full
 * copy of the HCA's directory, so every read succeeds) makes deploy fail rather than write GUIDs
 * and pkey maps there.
 */
class SysfsEscapeTest extends DriverWorldTest {

  @Override
  String hostYaml() {
    return DriverWorld.TWO_PFS;
  }

  @Test
  void deployRefusesToWriteThroughALinkLeavingTheRoot() throws Exception {
    Path root = w.host.tree().root();
    Path hca = root.resolve(w.host.mlx4().hcaDir()).toRealPath();
    Path outside = dir.resolve("outside/mlx4_0");
    FileTrees.copy(hca, outside);
    Path link = root.resolve("sys/class/infiniband/mlx4_0");
    Files.delete(link);
    Files.createSymbolicLink(link, outside);
    Map<String, String> outsideBefore = TreeSnapshot.of(outside);
    Map<String, String> hcaBefore = TreeSnapshot.of(hca);

    CliRun r = w.deploy(30, DriverCommandTest.deployment(30, "sriov_ib0"));
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains(link + "/iov/ports/1/admin_guids/1: resolves to " + outside
        + "/iov/ports/1/admin_guids/1, outside the sysfs root " + root.toRealPath() + "; refused to write '");
    assertThat(TreeSnapshot.of(outside)).isEqualTo(outsideBefore);
    assertThat(TreeSnapshot.of(hca)).isEqualTo(hcaBefore);
    // the VF's GUID could not be reset either: its lease stays, marked for release, for a pass to release
    assertThat(r.err()).contains("WARNING: VF " + w.host.mlx4().vfs().get(0) + " could not be reset (");
    assertThat(w.leases()).extracting(l -> l.state().jsonName()).containsExactly("releasing");
    assertThat(w.libvirt.domain("one-30").filter(DomainInfo::isActive)).isEmpty();
  }
}
