package org.kvmsriov.adapters.sysfs;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.kvmsriov.adapters.netlink.JnaNetlinkSocket;
import org.kvmsriov.adapters.netlink.NetlinkGuidProgrammer;
import org.kvmsriov.adapters.netlink.NetlinkSocket;
import org.kvmsriov.model.OfedPort;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.PfName;
import org.kvmsriov.port.Fabric;
import org.kvmsriov.port.GuidProgrammer;
import org.kvmsriov.port.IbPort;
import org.kvmsriov.port.InfinibandFabric;
import org.kvmsriov.port.NumaNode;
import org.kvmsriov.port.PkeyMapper;
import org.kvmsriov.port.SriovCounts;
import org.kvmsriov.port.VfInfo;

/**
 * {@link Fabric} and {@link InfinibandFabric} over sysfs, everything read under an injected root
 * ({@code /} on a host, a fixture tree in tests and the demo). PFs are found through
 * {@code sys/class/net/<pf>/device}, every other PCI device through {@code sys/bus/pci/devices};
 * links are resolved by their target's basename, as the kernel's own tools do. Names from outside
 * (interface, driver, HCA names) are validated before they become path elements.
 */
public final class SysfsFabric implements Fabric, InfinibandFabric {

  private static final Pattern NODE_DIR = Pattern.compile("node(0|[1-9][0-9]{0,3})");
  private static final Pattern DRIVER_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
  private static final Pattern NUMA = Pattern.compile("-1|0|[1-9][0-9]{0,3}");
  private static final String MLX5_DRIVER = "mlx5_core";

  private final Path root;
  private final SysfsWriter writer;
  private final NetlinkSocket.Factory netlink;

  /** A fabric on the host rooted at {@code sysfsRoot}, programming mainline mlx5 over real netlink. */
  public SysfsFabric(Path sysfsRoot) {
    this(sysfsRoot, JnaNetlinkSocket::open);
  }

  /**
   * @param sysfsRoot the directory holding {@code sys/}
   * @param netlink opens the rtnetlink socket mainline mlx5 GUIDs are programmed through
   */
  public SysfsFabric(Path sysfsRoot, NetlinkSocket.Factory netlink) {
    this.root = Objects.requireNonNull(sysfsRoot, "sysfsRoot");
    this.writer = new SysfsWriter(sysfsRoot);
    this.netlink = Objects.requireNonNull(netlink, "netlink");
  }

  // ---- topology -------------------------------------------------------------------------------

  @Override
  public PciAddress pfAddress(PfName pf) {
    Path net = netDir(pf);
    if (!Files.exists(net)) {
      throw new SysfsException(net, "does not exist: there is no network interface '" + pf + "'");
    }
    Path device = net.resolve("device");
    if (!Files.exists(device, LinkOption.NOFOLLOW_LINKS)) {
      throw new SysfsException(device, "does not exist: '" + pf + "' is not backed by a PCI device");
    }
    return SysfsText.pciLink(device);
  }

  @Override
  public SriovCounts counts(PfName pf) {
    return counts(pfAddress(pf));
  }

  @Override
  public SriovCounts counts(PciAddress pf) {
    Path dev = existingPciDir(pf);
    Path totalFile = dev.resolve("sriov_totalvfs");
    if (!Files.exists(totalFile)) {
      throw new SysfsException(totalFile, "does not exist: " + pf + " has no SR-IOV capability");
    }
    int total = SysfsText.unsigned(totalFile, 0xffff);
    Path numFile = dev.resolve("sriov_numvfs");
    int enabled = SysfsText.unsigned(numFile, 0xffff);
    if (enabled > total) {
      throw new SysfsException(numFile, "says " + enabled + " VFs, more than sriov_totalvfs " + total);
    }
    return new SriovCounts(total, enabled);
  }

  @Override
  public List<VfInfo> vfs(PfName pf) {
    return vfs(pf, pfAddress(pf));
  }

  @Override
  public List<VfInfo> vfs(PfName pf, PciAddress pfAddr) {
    Path dev = existingPciDir(pfAddr);
    List<Path> links = SysfsText.numbered(dev, "virtfn");
    List<VfInfo> out = new ArrayList<>(links.size());
    for (int i = 0; i < links.size(); i++) {
      PciAddress vf = SysfsText.pciLink(links.get(i));
      Path vfDir = pciDir(vf);
      if (!Files.isDirectory(vfDir)) {
        throw new SysfsException(links.get(i), "points at " + vf + ", which is not in sys/bus/pci/devices");
      }
      PciAddress back = physfn(vf).orElseThrow(() ->
          new SysfsException(vfDir.resolve("physfn"), "does not exist: " + vf + " is not a VF"));
      if (!back.equals(pfAddr)) {
        throw new SysfsException(vfDir.resolve("physfn"), "points at " + back + ", not at the PF " + pfAddr);
      }
      out.add(new VfInfo(pf, i, vf, numaNode(vf), driver(vf)));
    }
    return List.copyOf(out);
  }

  /**
   * A function-level reset of PCI device {@code a}: {@code 1} written to its {@code reset}, which
   * the kernel offers only for a device it can reset (absent: refused, nothing written).
   */
  public void functionReset(PciAddress a) {
    writer.write(existingPciDir(a).resolve("reset"), "1");
  }

  /** Whether PCI device {@code a} is present. */
  public boolean exists(PciAddress a) {
    return Files.isDirectory(pciDir(a));
  }

  @Override
  public Optional<PciAddress> physfn(PciAddress device) {
    Path physfn = existingPciDir(device).resolve("physfn");
    return Files.exists(physfn, LinkOption.NOFOLLOW_LINKS)
        ? Optional.of(SysfsText.pciLink(physfn)) : Optional.empty();
  }

  @Override
  public OptionalInt numaNode(PciAddress device) {
    Path file = existingPciDir(device).resolve("numa_node");
    if (!Files.exists(file)) {
      return OptionalInt.empty(); // kernels built without NUMA have no numa_node
    }
    String s = SysfsText.line(file);
    if (!NUMA.matcher(s).matches()) {
      throw new SysfsException(file, "holds '" + s + "', expected a NUMA node number or -1");
    }
    int node = Integer.parseInt(s);
    return node < 0 ? OptionalInt.empty() : OptionalInt.of(node);
  }

  @Override
  public Optional<String> driver(PciAddress device) {
    Path link = existingPciDir(device).resolve("driver");
    Optional<String> name = SysfsText.linkName(link);
    name.ifPresent(n -> {
      if (!DRIVER_NAME.matcher(n).matches()) {
        throw new SysfsException(link, "links to '" + n + "', which is not a driver name");
      }
    });
    return name;
  }

  @Override
  public List<NumaNode> numaNodes() {
    Path nodes = root.resolve("sys/devices/system/node");
    if (!Files.isDirectory(nodes)) {
      // A kernel without NUMA support: the whole machine is one node.
      return List.of(new NumaNode(0, CpuList.parse(root.resolve("sys/devices/system/cpu/online"))));
    }
    List<NumaNode> out = new ArrayList<>();
    for (Path p : SysfsText.list(nodes)) {
      Matcher m = NODE_DIR.matcher(p.getFileName().toString());
      if (m.matches()) {
        out.add(new NumaNode(Integer.parseInt(m.group(1)), CpuList.parse(p.resolve("cpulist"))));
      }
    }
    if (out.isEmpty()) {
      throw new SysfsException(nodes, "lists no nodeN directory");
    }
    out.sort((a, b) -> Integer.compare(a.id(), b.id()));
    return List.copyOf(out);
  }

  // ---- InfiniBand -----------------------------------------------------------------------------

  @Override
  public IbPort ibPort(PfName pf, Optional<OfedPort> configured) {
    String device = configured.flatMap(OfedPort::device).orElseGet(() -> pfHca(pf));
    Path hca = hcaDir(device);
    if (!Files.isDirectory(hca)) {
      throw new SysfsException(hca, "does not exist: no InfiniBand device '" + device + "'");
    }
    Path ports = hca.resolve("ports");
    if (configured.isPresent()) {
      int port = configured.get().port();
      if (!Files.isDirectory(ports.resolve(Integer.toString(port)))) {
        throw new SysfsException(ports.resolve(Integer.toString(port)),
            "does not exist: " + device + " has no port " + port);
      }
      return new IbPort(device, port);
    }
    List<Path> all = SysfsText.list(ports);
    if (all.size() != 1 || !all.get(0).getFileName().toString().matches("[1-9]")) {
      throw new SysfsException(ports, "holds " + all.size() + " ports; say which one in ofed.port");
    }
    return new IbPort(device, Integer.parseInt(all.get(0).getFileName().toString()));
  }

  @Override
  public GuidProgrammer guidProgrammer(PfName pf, IbPort port) {
    Path hca = existingHca(port);
    if (Files.isDirectory(hca.resolve("iov"))) {
      return new Mlx4GuidProgrammer(writer, hca, port, counts(pf).enabled());
    }
    PciAddress pfAddr = pfAddress(pf);
    Path sriov = pciDir(pfAddr).resolve("sriov");
    if (Files.exists(sriov.resolve("0/policy"))) {
      return new Mlx5OfedGuidProgrammer(writer, sriov);
    }
    Optional<String> driver = driver(pfAddr);
    if (driver.filter(MLX5_DRIVER::equals).isPresent()) {
      return new NetlinkGuidProgrammer(ifindex(pf), netlink);
    }
    throw new SysfsException(pciDir(pfAddr), "'" + pf + "' (driver " + driver.orElse("none")
        + ") shows no VF GUID interface: no " + hca.getFileName() + "/iov (mlx4 with SR-IOV),"
        + " no sriov/0/policy (MLNX_OFED mlx5), and not mlx5_core (netlink)");
  }

  @Override
  public Optional<PkeyMapper> pkeyMapper(PfName pf, IbPort port) {
    Path hca = existingHca(port);
    return Files.isDirectory(hca.resolve("iov"))
        ? Optional.of(new Mlx4PkeyMapper(writer, hca, port, pfAddress(pf))) : Optional.empty();
  }

  // ---- paths ----------------------------------------------------------------------------------

  private Path netDir(PfName pf) {
    // PfName is validated as an interface name, so it is one safe path element.
    return root.resolve("sys/class/net").resolve(pf.value());
  }

  private Path pciDir(PciAddress a) {
    return root.resolve("sys/bus/pci/devices").resolve(a.toString());
  }

  private Path existingPciDir(PciAddress a) {
    Path dir = pciDir(a);
    if (!Files.isDirectory(dir)) {
      throw new SysfsException(dir, "does not exist: no PCI device " + a);
    }
    return dir;
  }

  private Path hcaDir(String device) {
    if (!IbPort.isDeviceName(device)) {
      throw new IllegalArgumentException("'" + device + "' is not an InfiniBand device name");
    }
    return root.resolve("sys/class/infiniband").resolve(device);
  }

  private Path existingHca(IbPort port) {
    Path hca = hcaDir(port.device());
    if (!Files.isDirectory(hca.resolve("ports").resolve(Integer.toString(port.port())))) {
      throw new SysfsException(hca.resolve("ports").resolve(Integer.toString(port.port())),
          "does not exist: no " + port);
    }
    return hca;
  }

  /** The one HCA the PF's PCI device carries ({@code <PF>/infiniband/<hca>}). */
  private String pfHca(PfName pf) {
    Path dir = pciDir(pfAddress(pf)).resolve("infiniband");
    if (!Files.isDirectory(dir)) {
      throw new SysfsException(dir, "does not exist: '" + pf
          + "' has no InfiniBand device (is mlx4_ib or mlx5_ib loaded?)");
    }
    List<Path> hcas = SysfsText.list(dir);
    if (hcas.size() != 1) {
      throw new SysfsException(dir, "holds " + hcas.size() + " entries, expected exactly one HCA");
    }
    String name = hcas.get(0).getFileName().toString();
    if (!IbPort.isDeviceName(name)) {
      throw new SysfsException(hcas.get(0), "is not an InfiniBand device name");
    }
    return name;
  }

  private int ifindex(PfName pf) {
    Path file = netDir(pf).resolve("ifindex");
    int index = SysfsText.unsigned(file, Integer.MAX_VALUE - 1);
    if (index == 0) {
      throw new SysfsException(file, "holds 0, which is no interface index");
    }
    return index;
  }
}
