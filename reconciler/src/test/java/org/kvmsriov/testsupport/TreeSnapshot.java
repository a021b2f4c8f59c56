package org.kvmsriov.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Everything below a directory, by relative path: a file's bytes, a link's target, a directory's
 * mere presence. Two equal snapshots mean nothing was created, removed, rewritten or relinked,
 * which is what "refused, nothing changed" must show for the ledger, a sysfs tree or a
 * deployment directory.
 */
public final class TreeSnapshot {

  private TreeSnapshot() {}

  /** The tree below {@code root} ({@code root} itself absent: an empty map). */
  public static Map<String, String> of(Path root) {
    return walk(root, true);
  }

  /** Files and links only: what git can hold (it keeps no empty directory). */
  public static Map<String, String> files(Path root) {
    return walk(root, false);
  }

  private static Map<String, String> walk(Path root, boolean directories) {
    Map<String, String> out = new TreeMap<>();
    if (!Files.exists(root)) {
      return out;
    }
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.toList()) {
        String rel = root.relativize(p).toString();
        if (Files.isSymbolicLink(p)) {
          out.put(rel, "-> " + Files.readSymbolicLink(p));
        } else if (Files.isRegularFile(p)) {
          out.put(rel, Base64.getEncoder().encodeToString(Files.readAllBytes(p)));
        } else if (directories && Files.isDirectory(p)) {
          out.put(rel + "/", "");
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + root + ": " + e.getMessage(), e);
    }
    return out;
  }
}
