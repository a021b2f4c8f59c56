package org.kvmsriov.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.kvmsriov.model.PciAddress;

/**
 * Generates {@code examples/demo-sysfs/}, the tree the README demo points {@code --sysfs-root}
 * at: two NUMA nodes, a ConnectX-3 with two ports ({@code ib0}, {@code ib1}) and 8 VFs on node 0,
 * and an Intel 82599 {@code enp131s0f0} (below socket 1's root port) with 4 VFs on node 1. Tables are short (16 pkeys, 16 alias
 * GUIDs) to keep the checked-in tree small. Run {@code examples/regenerate-demo-sysfs}; {@code
 * DemoSysfsTreeTest} checks the checked-in copy is what this makes.
 */
public final class DemoSysfsTree {

  public static final String MLX4_BDF = "0000:07:00.0";
  public static final String GENERIC_BDF = "0000:83:00.0";
  public static final String GENERIC_PF = "enp131s0f0";

  private DemoSysfsTree() {}

  /** Builds the demo tree under {@code root}. */
  public static void build(Path root) {
    SysfsTree t = SysfsTree.at(root).numa("0-7", "0-3", "4-7");
    Mlx4Hca.build(t, "0000:00:03.0", PciAddress.parse(MLX4_BDF), List.of("ib0", "ib1"), 8, 0, 16, 16);
    GenericNic.build(t, "0000:80:01.0", PciAddress.parse(GENERIC_BDF), GENERIC_PF, 4, 1);
  }

  /** {@code DemoSysfsTree DIR}: replaces DIR (which must be absent, empty, or hold only sys/) with the tree. */
  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: DemoSysfsTree DIR");
      System.exit(2);
    }
    Path dir = Path.of(args[0]);
    if (Files.isDirectory(dir)) {
      try (Stream<Path> s = Files.list(dir)) {
        List<Path> entries = s.toList();
        if (entries.stream().anyMatch(p -> !p.getFileName().toString().equals("sys"))) {
          System.err.println(dir + " holds more than sys/; refusing to replace it");
          System.exit(2);
        }
      }
      try (Stream<Path> s = Files.walk(dir)) {
        for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
          if (!p.equals(dir)) {
            Files.delete(p);
          }
        }
      }
    }
    build(dir);
  }
}
