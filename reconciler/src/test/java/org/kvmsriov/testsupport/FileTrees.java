package org.kvmsriov.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Copies of directory trees for tests: files copied, symlinks kept as symlinks. */
public final class FileTrees {

  private FileTrees() {}

  /** Copies the tree at {@code from} (its real directory, when {@code from} is a link) to {@code to}. */
  public static void copy(Path from, Path to) throws IOException {
    Path real = from.toRealPath();
    try (Stream<Path> s = Files.walk(real)) {
      for (Path p : s.toList()) {
        Path t = to.resolve(real.relativize(p).toString());
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t, LinkOption.NOFOLLOW_LINKS);
        }
      }
    }
  }
}
