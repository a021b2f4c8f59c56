package org.kvmsriov.opennebula;

import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.stream.Collectors;
import org.kvmsriov.config.InvalidInputException;
import org.kvmsriov.model.HostState;
import org.kvmsriov.port.NumaNode;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * HPC mode (the add-on's {@code hpc_config}), applied to a deployment file. Pure: the host's
 * NUMA topology and the current load per node come in as values.
 *
 * <ul>
 *   <li>memory backed by hugepages, never shared ({@code <memoryBacking><hugepages/>
 *       <nosharepages/>});
 *   <li>{@code host-passthrough} CPU for VMs with at least the threshold's vCPUs;
 *   <li>a VM with as many vCPUs as the host has CPUs gets the host's NUMA cells and each vCPU
 *       pinned to the host CPU of the same rank;
 *   <li>a VM that fits in one NUMA node (of several) is pinned, CPUs and memory, to the node
 *       that running domains load least.
 * </ul>
 */
public final class HpcTuning {

  /**
   * What HPC mode decided.
   *
   * @param pinnedNode the NUMA node the VM is confined to, if any (VFs are preferred there)
   */
  public record Result(OptionalInt pinnedNode) {}

  private HpcTuning() {}

  /**
   * @param load vCPUs that running domains have pinned to each node id
   */
  public static Result apply(DeploymentFile file, HostState.Hpc hpc, List<NumaNode> nodes, Map<Integer, Integer> load) {
    if (!hpc.enabled()) {
      return new Result(OptionalInt.empty());
    }
    Document doc = file.document();
    Element domain = doc.getDocumentElement();
    int vcpus = vcpus(domain);
    long memoryKib = memoryKib(domain);
    ensureChild(doc, domain, "memoryBacking", "hugepages", "nosharepages");

    int hostCpus = nodes.stream().mapToInt(n -> n.cpus().size()).sum();
    List<NumaNode> withCpus = nodes.stream().filter(n -> !n.cpus().isEmpty()).toList();
    Element cpu = null;
    if (vcpus >= hpc.cpuPassthroughThreshold()) {
      cpu = replaceChild(doc, domain, "cpu");
      cpu.setAttribute("mode", "host-passthrough");
    }
    if (vcpus == hostCpus && withCpus.size() > 1) {
      if (cpu == null) {
        cpu = replaceChild(doc, domain, "cpu");
        cpu.setAttribute("mode", "host-passthrough");
      }
      mirrorHost(doc, domain, cpu, withCpus, memoryKib);
      return new Result(OptionalInt.empty());
    }
    if (withCpus.size() > 1) {
      NumaNode target = null;
      for (NumaNode n : withCpus) {
        if (vcpus <= n.cpus().size()
            && (target == null || load.getOrDefault(n.id(), 0) < load.getOrDefault(target.id(), 0))) {
          target = n;
        }
      }
      if (target != null) {
        pin(doc, domain, target);
        return new Result(OptionalInt.of(target.id()));
      }
    }
    return new Result(OptionalInt.empty());
  }

  private static void mirrorHost(Document doc, Element domain, Element cpu, List<NumaNode> nodes, long memoryKib) {
    Element numa = doc.createElement("numa");
    int vcpu = 0;
    Element cputune = existingOrNew(doc, domain, "cputune");
    for (int i = 0; i < nodes.size(); i++) {
      NumaNode n = nodes.get(i);
      Element cell = doc.createElement("cell");
      cell.setAttribute("id", Integer.toString(i));
      cell.setAttribute("cpus", vcpu + "-" + (vcpu + n.cpus().size() - 1));
      // Memory split evenly; the last cell takes the remainder so the sum is exact.
      long share = memoryKib / nodes.size();
      cell.setAttribute("memory", Long.toString(i == nodes.size() - 1 ? memoryKib - share * (nodes.size() - 1) : share));
      cell.setAttribute("unit", "KiB");
      numa.appendChild(cell);
      for (int hostCpu : n.cpus()) {
        Element pin = doc.createElement("vcpupin");
        pin.setAttribute("vcpu", Integer.toString(vcpu++));
        pin.setAttribute("cpuset", Integer.toString(hostCpu));
        cputune.appendChild(pin);
      }
    }
    cpu.appendChild(numa);
  }

  private static void pin(Document doc, Element domain, NumaNode node) {
    Element vcpu = DeploymentFile.child(domain, "vcpu");
    vcpu.setAttribute("placement", "static");
    vcpu.setAttribute("cpuset", node.cpus().stream().map(String::valueOf).collect(Collectors.joining(",")));
    Element numatune = replaceChild(doc, domain, "numatune");
    Element memory = doc.createElement("memory");
    memory.setAttribute("mode", "strict");
    memory.setAttribute("nodeset", Integer.toString(node.id()));
    numatune.appendChild(memory);
  }

  static int vcpus(Element domain) {
    Element v = DeploymentFile.child(domain, "vcpu");
    String text = v == null ? "1" : v.getTextContent().strip();
    if (!text.matches("\\d{1,4}") || Integer.parseInt(text) < 1) {
      throw new InvalidInputException("deployment file: <vcpu> '" + text + "' is not a vCPU count");
    }
    return Integer.parseInt(text);
  }

  private static long memoryKib(Element domain) {
    Element m = DeploymentFile.child(domain, "memory");
    String text = m == null ? "" : m.getTextContent().strip();
    String unit = m == null ? "KiB" : m.getAttribute("unit");
    if (!text.matches("\\d{1,12}") || !(unit.isEmpty() || unit.equals("KiB") || unit.equals("k"))) {
      throw new InvalidInputException("deployment file: <memory> '" + text + "' is not a size in KiB");
    }
    return Long.parseLong(text);
  }

  private static Element existingOrNew(Document doc, Element parent, String name) {
    Element e = DeploymentFile.child(parent, name);
    if (e == null) {
      e = doc.createElement(name);
      insertBeforeDevices(parent, e);
    }
    return e;
  }

  private static Element replaceChild(Document doc, Element parent, String name) {
    Element fresh = doc.createElement(name);
    Element old = DeploymentFile.child(parent, name);
    if (old != null) {
      parent.replaceChild(fresh, old);
    } else {
      insertBeforeDevices(parent, fresh);
    }
    return fresh;
  }

  private static void ensureChild(Document doc, Element parent, String name, String... kids) {
    Element e = existingOrNew(doc, parent, name);
    for (String k : kids) {
      if (DeploymentFile.child(e, k) == null) {
        e.appendChild(doc.createElement(k));
      }
    }
  }

  /** Top-level additions go before {@code <devices>}, where libvirt itself writes them. */
  private static void insertBeforeDevices(Element domain, Element e) {
    Node devices = DeploymentFile.child(domain, "devices");
    domain.insertBefore(e, devices);
    domain.insertBefore(domain.getOwnerDocument().createTextNode("\n\t"), devices);
  }
}
