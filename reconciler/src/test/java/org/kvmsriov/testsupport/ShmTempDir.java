package org.kvmsriov.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDirFactory;

/**
 * Puts {@code @TempDir} sysfs trees on tmpfs ({@code /dev/shm}) when the machine has one: a tree
 * is a few thousand tiny files, which a disk-backed {@code /tmp} creates several times slower.
 * Falls back to the default temporary directory.
 */
public final class ShmTempDir implements TempDirFactory {

  private static final Path SHM = Path.of("/dev/shm");

  @Override
  public Path createTempDirectory(AnnotatedElementContext element, ExtensionContext context) throws IOException {
    if (Files.isDirectory(SHM) && Files.isWritable(SHM)) {
      return Files.createTempDirectory(SHM, "kvm-sriov-sysfs-");
    }
    return Files.createTempDirectory("kvm-sriov-sysfs-");
  }
}
