package org.kvmsriov.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.kvmsriov.model.PciAddress;

/**
 * Builds a sysfs tree under a root directory the way the kernel lays it out: attribute files hold
 * the kernel's {@code show()} output with its trailing newline; PCI devices are real directories
 * under {@code sys/devices/pci0000:00/<bridge>/}; {@code sys/bus/pci/devices}, {@code
 * sys/class/net}, {@code sys/class/infiniband}, {@code driver} and {@code iommu_group} are
 * relative symlinks into them, as in {@code reference/sysfs-layouts.md} ("Variant R").
 *
 * <p>Low-level building blocks; {@link GenericNic}, {@link Mlx4Hca} and {@link Mlx5Hca} build
 * whole devices, {@link SysfsHosts} whole hosts.
 */
public final class SysfsTree {

  private final Path root;
  private int nextIfindex = 2; // 1 is lo
  private int nextIommuGroup = 20;
  private int nextIbNetdev = 10; // VF IPoIB netdevs; PF names are given explicitly
  private int nextMlx4 = 0;
  private int nextMlx5 = 0;

  private SysfsTree(Path root) {
    this.root = root;
  }

  /** A tree rooted at {@code root} (the directory that will hold {@code sys/}). */
  public static SysfsTree at(Path root) {
    SysfsTree t = new SysfsTree(root);
    t.dir("sys/bus/pci/devices");
    t.dir("sys/class/net");
    t.dir("sys/kernel/iommu_groups");
    t.emptyFile("sys/bus/pci/drivers_probe");
    return t;
  }

  public Path root() {
    return root;
  }

  /** {@code rel} under the root. */
  public Path path(String rel) {
    return root.resolve(rel);
  }

  /** An attribute holding {@code value} and the kernel's trailing newline. */
  public SysfsTree attr(String rel, String value) {
    return raw(rel, value + "\n");
  }

  /** A file holding exactly {@code content} (to build malformed values). */
  public SysfsTree raw(String rel, String content) {
    Path p = root.resolve(rel);
    try {
      Files.createDirectories(p.getParent());
      Files.writeString(p, content, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  /** A write-only attribute ({@code bind}, {@code reset}): present, reads empty here. */
  public SysfsTree emptyFile(String rel) {
    return raw(rel, "");
  }

  public SysfsTree dir(String rel) {
    try {
      Files.createDirectories(root.resolve(rel));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  /** A symlink at {@code rel} whose text is exactly {@code target} (e.g. {@code ../0000:07:00.1}). */
  public SysfsTree symlink(String rel, String target) {
    Path p = root.resolve(rel);
    try {
      Files.createDirectories(p.getParent());
      Files.deleteIfExists(p);
      Files.createSymbolicLink(p, Path.of(target));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  /**
   * A relative symlink at {@code rel} pointing at {@code targetRel} (both under the root), written
   * as sysfs writes it: up to the common ancestor of the link and the target's parent, then down,
   * so the text always ends in the target's name ({@code ../../../0000:07:00.0}, never {@code ../..}).
   */
  public SysfsTree linkTo(String rel, String targetRel) {
    Path from = Path.of(rel).getParent();
    Path target = Path.of(targetRel);
    String up = from.relativize(target.getParent()).toString();
    return symlink(rel, (up.isEmpty() ? "" : up + "/") + target.getFileName());
  }

  /** Removes a file or link (to build a missing-value case). */
  public SysfsTree delete(String rel) {
    try {
      Files.delete(root.resolve(rel));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  /** Reads an attribute back, newline included (for assertions on what code wrote). */
  public String read(String rel) {
    try {
      return Files.readString(root.resolve(rel), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---- host-wide ------------------------------------------------------------------------------

  /** NUMA nodes: {@code cpulists[i]} is node i's {@code cpulist} ({@code "0-3,8-11"}). */
  public SysfsTree numa(String allCpus, String... cpulists) {
    for (int i = 0; i < cpulists.length; i++) {
      attr("sys/devices/system/node/node" + i + "/cpulist", cpulists[i]);
    }
    String nodes = cpulists.length == 1 ? "0" : "0-" + (cpulists.length - 1);
    attr("sys/devices/system/node/online", nodes);
    attr("sys/devices/system/node/possible", nodes);
    attr("sys/devices/system/node/has_cpu", nodes);
    attr("sys/devices/system/cpu/online", allCpus);
    return this;
  }

  // ---- PCI ------------------------------------------------------------------------------------

  /**
   * A PCI function below a root-port bridge: its real directory, {@code sys/bus/pci/devices}
   * link and the attributes every PCI device has.
   *
   * @return the device's directory relative to the root
   */
  public String pciDevice(String bridge, PciAddress bdf, String vendor, String device, String pciClass,
      int numaNode) {
    String dir = "sys/devices/pci" + bridge.substring(0, 7) + "/" + bridge + "/" + bdf;
    attr(dir + "/vendor", vendor);
    attr(dir + "/device", device);
    attr(dir + "/class", pciClass);
    attr(dir + "/subsystem_vendor", vendor);
    attr(dir + "/subsystem_device", "0x0000");
    attr(dir + "/numa_node", Integer.toString(numaNode));
    attr(dir + "/driver_override", "(null)");
    attr(dir + "/enable", "1");
    emptyFile(dir + "/reset");
    emptyFile(dir + "/remove");
    linkTo(dir + "/subsystem", "sys/bus/pci");
    linkTo("sys/bus/pci/devices/" + bdf, dir);
    return dir;
  }

  /** Binds a device to a driver: its {@code driver} link and the driver's link back. */
  public SysfsTree bind(String deviceDir, String driver) {
    String drv = "sys/bus/pci/drivers/" + driver;
    emptyFile(drv + "/bind");
    emptyFile(drv + "/unbind");
    emptyFile(drv + "/new_id");
    emptyFile(drv + "/remove_id");
    linkTo(deviceDir + "/driver", drv);
    linkTo(drv + "/" + Path.of(deviceDir).getFileName(), deviceDir);
    return this;
  }

  /** Puts a device in a fresh IOMMU group, as a VF behind an ACS-capable port gets. */
  public SysfsTree iommuGroup(String deviceDir) {
    String group = "sys/kernel/iommu_groups/" + nextIommuGroup++;
    attr(group + "/type", "DMA");
    linkTo(group + "/devices/" + Path.of(deviceDir).getFileName(), deviceDir);
    linkTo(deviceDir + "/iommu_group", group);
    return this;
  }

  /**
   * A network interface on a device: {@code <dev>/net/<name>/} and {@code sys/class/net/<name>}.
   *
   * @param arphrdType 1 for Ethernet, 32 for InfiniBand (IPoIB)
   */
  public SysfsTree netdev(String deviceDir, String name, int arphrdType, String address, int devPort) {
    String dir = deviceDir + "/net/" + name;
    attr(dir + "/ifindex", Integer.toString(nextIfindex++));
    attr(dir + "/type", Integer.toString(arphrdType));
    attr(dir + "/address", address);
    attr(dir + "/dev_port", Integer.toString(devPort));
    attr(dir + "/operstate", "up");
    linkTo(dir + "/device", deviceDir);
    linkTo("sys/class/net/" + name, dir);
    return this;
  }

  /**
   * An InfiniBand device on a PCI device: {@code <dev>/infiniband/<name>/} and {@code
   * sys/class/infiniband/<name>}.
   *
   * @return its directory relative to the root
   */
  public String ibDevice(String deviceDir, String name, String nodeGuid) {
    String dir = deviceDir + "/infiniband/" + name;
    attr(dir + "/node_guid", nodeGuid);
    attr(dir + "/sys_image_guid", nodeGuid);
    attr(dir + "/node_type", "1: CA");
    linkTo(dir + "/device", deviceDir);
    linkTo("sys/class/infiniband/" + name, dir);
    return dir;
  }

  /** The next free IPoIB interface name for a VF ({@code ib10}, {@code ib11}, …). */
  String nextIbName() {
    return "ib" + nextIbNetdev++;
  }

  String nextMlx4() {
    return "mlx4_" + nextMlx4++;
  }

  String nextMlx5() {
    return "mlx5_" + nextMlx5++;
  }

  /** systemd's predictable name for a PCI function on bus 0 domain 0: {@code enp3s16f2}. */
  static String predictableName(PciAddress a) {
    return "enp" + a.bus() + "s" + a.slot() + (a.function() > 0 ? "f" + a.function() : "");
  }

  /** The VF at {@code index}: routing ID = PF devfn + offset + index * stride, same bus. */
  static PciAddress vfAddress(PciAddress pf, int offset, int stride, int index) {
    int devfn = pf.slot() * 8 + pf.function() + offset + index * stride;
    return new PciAddress(pf.domain(), pf.bus() + devfn / 256, (devfn % 256) / 8, devfn % 8);
  }

  /** A GID as {@code %pI6} prints it, from a subnet prefix and a port GUID. */
  static String gid(long prefix, long guid) {
    StringBuilder b = new StringBuilder();
    for (long half : new long[] {prefix, guid}) {
      for (int shift = 48; shift >= 0; shift -= 16) {
        if (b.length() > 0) {
          b.append(':');
        }
        b.append(String.format("%04x", (half >>> shift) & 0xffff));
      }
    }
    return b.toString();
  }

  /** A node GUID as {@code %04x:%04x:%04x:%04x}. */
  static String nodeGuid(long guid) {
    return gid(0, guid).substring(20);
  }
}
