package org.kvmsriov.engine;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.kvmsriov.testsupport.DriverWorld;
import org.kvmsriov.testsupport.ShmTempDir;

/** Driver tests that each start from a fresh {@link DriverWorld} with the host.yaml {@link #hostYaml()} gives. */
abstract class DriverWorldTest {

  @TempDir(factory = ShmTempDir.class) Path dir;
  DriverWorld w;

  /** host.yaml after {@code version} and {@code libvirt_uri} (see {@link DriverWorld#DriverWorld}). */
  abstract String hostYaml();

  @BeforeEach
  void world() throws Exception {
    w = new DriverWorld(dir, hostYaml());
  }

  @AfterEach
  void close() {
    w.close();
  }
}
