package org.kvmsriov.adapters.sysfs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.PfName;

/**
 * Reads a PF's VFs the way the kernel publishes them: {@code sys/class/net/<pf>/device/virtfnN}
 * symlinks to {@code ../<VF BDF>}, ordered by N (not by name: virtfn10 sorts after virtfn9).
 */
public final class VirtfnLinks {

  private static final Pattern VIRTFN = Pattern.compile("virtfn(\\d{1,4})");

  private VirtfnLinks() {}

  /** The PF's PCI device directory under {@code sysfsRoot}. */
  public static Path pfDevice(Path sysfsRoot, PfName pf) {
    // PfName is validated as an interface name, so it is one safe path element.
    return sysfsRoot.resolve("sys/class/net").resolve(pf.value()).resolve("device");
  }

  /** A PF's PCI device directory by address, for PFs without a network interface. */
  public static Path pciDevice(Path sysfsRoot, PciAddress pf) {
    return sysfsRoot.resolve("sys/bus/pci/devices").resolve(pf.toString());
  }

  /**
   * @return VF addresses in VF-index order
   * @throws SysfsException when the PF is missing or a link is malformed
   */
  public static List<PciAddress> vfs(Path sysfsRoot, PfName pf) {
    return vfsOf(pfDevice(sysfsRoot, pf), pf.value());
  }

  /** VFs of the PF at PCI address {@code pf}. */
  public static List<PciAddress> vfs(Path sysfsRoot, PciAddress pf) {
    return vfsOf(pciDevice(sysfsRoot, pf), pf.toString());
  }

  private static List<PciAddress> vfsOf(Path dev, String pf) {
    TreeMap<Integer, PciAddress> byIndex = new TreeMap<>();
    try (Stream<Path> entries = Files.list(dev)) {
      for (Path p : (Iterable<Path>) entries::iterator) {
        Matcher m = VIRTFN.matcher(p.getFileName().toString());
        if (!m.matches()) {
          continue;
        }
        Path target = Files.readSymbolicLink(p);
        String name = target.getFileName() == null ? "" : target.getFileName().toString();
        if (!PciAddress.isValid(name) || !name.contains(":") || name.indexOf(':') != 4) {
          throw new SysfsException(p, "links to '" + target + "', not a PCI device");
        }
        byIndex.put(Integer.parseInt(m.group(1)), PciAddress.parse(name));
      }
    } catch (NoSuchFileException e) {
      throw new SysfsException(dev, "does not exist: is '" + pf + "' a network interface with a PCI device?");
    } catch (IOException e) {
      throw new SysfsException(dev, "cannot be read: " + e.getMessage());
    }
    List<PciAddress> out = new ArrayList<>(byIndex.values());
    if (!byIndex.isEmpty() && byIndex.lastKey() != out.size() - 1) {
      throw new SysfsException(dev, "virtfn links are not numbered 0.." + (out.size() - 1));
    }
    return out;
  }
}
