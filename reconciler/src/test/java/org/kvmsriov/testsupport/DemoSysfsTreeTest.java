package org.kvmsriov.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvmsriov.adapters.sysfs.SysfsFabric;
import org.kvmsriov.model.PfName;
import org.kvmsriov.port.GuidInterface;
import org.kvmsriov.port.IbPort;

/** The checked-in {@code examples/demo-sysfs} is exactly what {@link DemoSysfsTree} builds, and reads. */
class DemoSysfsTreeTest {

  private static final Path DEMO = Path.of(System.getProperty("kvmsriov.projectRoot", ".."), "examples/demo-sysfs");

  @TempDir(factory = ShmTempDir.class) Path fresh;

  @Test
  void checkedInTreeIsTheGeneratedOne() throws IOException {
    DemoSysfsTree.build(fresh);
    // Empty directories are not kept by git, so files and links are compared.
    assertThat(TreeSnapshot.files(DEMO)).as("run examples/regenerate-demo-sysfs").isEqualTo(TreeSnapshot.files(fresh));
  }

  @Test
  void demoTreeReadsAsTheReadmeSays() {
    SysfsFabric f = new SysfsFabric(DEMO, () -> {
      throw new AssertionError("mlx4 needs no netlink");
    });
    assertThat(f.vfs(new PfName("ib0"))).hasSize(8);
    assertThat(f.vfs(new PfName(DemoSysfsTree.GENERIC_PF))).hasSize(4).allSatisfy(v -> assertThat(v.numaNode()).hasValue(1));
    assertThat(f.guidProgrammer(new PfName("ib1"), new IbPort("mlx4_0", 2)).kind())
        .isEqualTo(GuidInterface.MLX4_ALIAS_GUID);
    assertThat(f.numaNodes()).hasSize(2);
  }
}
