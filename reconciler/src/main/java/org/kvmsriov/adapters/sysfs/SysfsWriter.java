package org.kvmsriov.adapters.sysfs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.LinkOption;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import org.kvmsriov.io.IoErrors;

/**
 * Writes sysfs attributes, and only below the sysfs root: each file is resolved to its real path
 * first, and one that a symlink leads out of the root (a {@code sys/class/infiniband/mlx4_0}
 * pointing elsewhere) is refused, never written. On a host the root is {@code /} and every
 * kernel link stays inside it; in tests and the demo it is a fixture tree.
 */
final class SysfsWriter {

  private final Path root;

  SysfsWriter(Path root) {
    this.root = Objects.requireNonNull(root, "root");
  }

  /**
   * Writes one value to an existing attribute in a single write, as {@code echo} would. Never
   * creates a file: a missing attribute means the kernel does not offer it.
   */
  void write(Path file, String value) {
    Path real;
    Path realRoot;
    try {
      realRoot = root.toRealPath();
      real = file.toRealPath();
    } catch (NoSuchFileException e) {
      throw new SysfsException(file, "does not exist, cannot write '" + value + "'");
    } catch (IOException e) {
      throw new SysfsException(file, "cannot be resolved (" + IoErrors.reason(e) + "), not written");
    }
    if (!real.startsWith(realRoot)) {
      throw new SysfsException(file, "resolves to " + real + ", outside the sysfs root " + realRoot
          + "; refused to write '" + value + "' there");
    }
    try {
      // the resolved path, not followed again: a link swapped in meanwhile is not followed out
      Files.write(real, (value + "\n").getBytes(StandardCharsets.US_ASCII), StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING, LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      throw new SysfsException(file, "refused '" + value + "': " + IoErrors.reason(e));
    }
  }
}
