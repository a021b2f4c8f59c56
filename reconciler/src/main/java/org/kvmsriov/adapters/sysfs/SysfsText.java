package org.kvmsriov.adapters.sysfs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.kvmsriov.model.PciAddress;

/**
 * Strict reading and writing of sysfs attributes. Every attribute the kernel shows is one line
 * of printable ASCII ending in {@code \n}; anything else is a {@link SysfsException} naming the
 * file and quoting what it held.
 */
final class SysfsText {

  /** A PCI device name as the kernel writes it: full, lowercase. */
  private static final Pattern BDF = Pattern.compile("[0-9a-f]{4}:[0-9a-f]{2}:[01][0-9a-f]\\.[0-7]");
  private static final Pattern UNSIGNED = Pattern.compile("0|[1-9][0-9]{0,8}");
  private static final int MAX_SHOWN = 48;

  private SysfsText() {}

  /** The attribute's one line, without its newline. */
  static String line(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new SysfsException(file, "does not exist");
    } catch (IOException e) {
      throw new SysfsException(file, "cannot be read: " + e.getMessage());
    }
    int n = bytes.length;
    if (n == 0 || bytes[n - 1] != '\n') {
      throw new SysfsException(file, "holds " + quote(bytes) + ", not one line ending in a newline");
    }
    for (int i = 0; i < n - 1; i++) {
      if (bytes[i] < 0x20 || bytes[i] > 0x7e) {
        throw new SysfsException(file, "holds " + quote(bytes) + ", not one line of printable text");
      }
    }
    return new String(bytes, 0, n - 1, StandardCharsets.US_ASCII);
  }

  /** A {@code "%u\n"} attribute no larger than {@code max}. */
  static int unsigned(Path file, int max) {
    String s = line(file);
    if (!UNSIGNED.matcher(s).matches() || Long.parseLong(s) > max) {
      throw new SysfsException(file, "holds '" + s + "', expected a whole number 0.." + max);
    }
    return Integer.parseInt(s);
  }

  /** The basename of a symlink's target, or empty when there is no such link. */
  static Optional<String> linkName(Path link) {
    if (!Files.isSymbolicLink(link)) {
      if (Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
        throw new SysfsException(link, "is not a symbolic link");
      }
      return Optional.empty();
    }
    try {
      Path target = Files.readSymbolicLink(link).getFileName();
      if (target == null) {
        throw new SysfsException(link, "links to nothing");
      }
      return Optional.of(target.toString());
    } catch (IOException e) {
      throw new SysfsException(link, "cannot be read: " + e.getMessage());
    }
  }

  /** The PCI device a symlink points at ({@code ../0000:07:00.1}). */
  static PciAddress pciLink(Path link) {
    String name = linkName(link).orElseThrow(() -> new SysfsException(link, "does not exist"));
    if (!BDF.matcher(name).matches()) {
      throw new SysfsException(link, "links to '" + name + "', which is not a PCI device name");
    }
    return PciAddress.parse(name);
  }

  /**
   * Entries of {@code dir} named {@code <prefix><N>}, keyed by N, checked to be numbered 0..n-1
   * without gaps (as the kernel creates them).
   */
  static List<Path> numbered(Path dir, String prefix) {
    Pattern name = Pattern.compile(Pattern.quote(prefix) + "(0|[1-9][0-9]{0,4})");
    TreeMap<Integer, Path> byIndex = new TreeMap<>();
    for (Path p : list(dir)) {
      var m = name.matcher(p.getFileName().toString());
      if (m.matches()) {
        byIndex.put(Integer.parseInt(m.group(1)), p);
      }
    }
    if (!byIndex.isEmpty() && byIndex.lastKey() != byIndex.size() - 1) {
      throw new SysfsException(dir, "entries " + prefix + "N are not numbered 0.." + (byIndex.size() - 1));
    }
    return new ArrayList<>(byIndex.values());
  }

  /** The entries of a directory that must exist. */
  static List<Path> list(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.toList();
    } catch (NoSuchFileException e) {
      throw new SysfsException(dir, "does not exist");
    } catch (IOException e) {
      throw new SysfsException(dir, "cannot be listed: " + e.getMessage());
    }
  }

  private static String quote(byte[] bytes) {
    StringBuilder b = new StringBuilder("'");
    for (int i = 0; i < bytes.length && i < MAX_SHOWN; i++) {
      int c = bytes[i] & 0xff;
      if (c == '\n') {
        b.append("\\n");
      } else if (c < 0x20 || c > 0x7e) {
        b.append(String.format("\\x%02x", c));
      } else {
        b.append((char) c);
      }
    }
    return b.append(bytes.length > MAX_SHOWN ? "…'" : "'").toString();
  }
}
