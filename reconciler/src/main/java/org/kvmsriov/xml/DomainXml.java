package org.kvmsriov.xml;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.kvmsriov.config.InvalidInputException;
import org.kvmsriov.model.MacAddress;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.port.PciHostdev;
import org.kvmsriov.xml.SafeXml;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * A libvirt domain XML document (or a single device element), read with {@link SafeXml}: a DOM
 * parser hardened against XXE (DOCTYPE declarations are refused outright, so no DTD, internal or
 * external entity is ever processed), namespace-aware and keeping CDATA sections, so a document
 * serialised by {@link #serialize()} keeps OpenNebula's {@code qemu:} elements and raw data.
 *
 * <p>Instances wrap a mutable DOM; they are not thread-safe. The deploy action rewrites the
 * deployment XML through {@link #document()} and {@link #serialize()}.
 */
public final class DomainXml {

  private final Document document;

  private DomainXml(Document document) {
    this.document = document;
  }

  /**
   * Parses {@code xml} with {@link SafeXml} (no DOCTYPE, so no entities of any kind).
   *
   * @throws InvalidInputException when it is not well-formed or declares a DOCTYPE
   */
  public static DomainXml parse(String xml) {
    return new DomainXml(SafeXml.parse(xml, "domain XML"));
  }

  /** Wraps an already parsed document (e.g. a deployment file being rewritten). */
  public static DomainXml of(Document document) {
    return new DomainXml(document);
  }

  /** The underlying DOM, for callers that rewrite the document. */
  public Document document() {
    return document;
  }

  /** The root element ({@code <domain>}, or the device for a device document). */
  public Element root() {
    return document.getDocumentElement();
  }

  /** {@code <name>}, if present. */
  public Optional<String> name() {
    return childText(root(), "name");
  }

  /** {@code <uuid>}, if present and well-formed. */
  public Optional<UUID> uuid() {
    return childText(root(), "uuid").flatMap(u -> {
      try {
        return Optional.of(UUID.fromString(u));
      } catch (IllegalArgumentException e) {
        return Optional.empty();
      }
    });
  }

  /**
   * The PCI devices passed through: {@code <hostdev mode='subsystem' type='pci'>} and
   * {@code <interface type='hostdev'>}, in document order.
   *
   * @throws InvalidInputException when a source address is missing or out of range
   */
  public List<PciHostdev> pciHostdevs() {
    List<PciHostdev> out = new ArrayList<>();
    for (Element dev : devices()) {
      if (isPciHostdev(dev)) {
        out.add(hostdev(dev, false));
      } else if (isHostdevInterface(dev)) {
        out.add(hostdev(dev, true));
      }
    }
    return out;
  }

  /** The children of {@code <devices>} (or the root itself for a single-device document). */
  public List<Element> devices() {
    Element root = root();
    if (!"domain".equals(root.getLocalName())) {
      return List.of(root);
    }
    List<Element> out = new ArrayList<>();
    for (Element devices : children(root, "devices")) {
      for (Node n = devices.getFirstChild(); n != null; n = n.getNextSibling()) {
        if (n instanceof Element e) {
          out.add(e);
        }
      }
    }
    return out;
  }

  /**
   * Finds the device in this domain that {@code device} (a device element, as given to attach
   * or detach) designates: by {@code <alias>} when it has one, else by its PCI source address
   * (hostdevs and hostdev interfaces), else by its MAC address (interfaces).
   */
  public Optional<Element> find(Element device) {
    Optional<String> alias = alias(device);
    Optional<PciAddress> source = sourceAddress(device);
    Optional<String> mac = mac(device);
    for (Element candidate : devices()) {
      if (!candidate.getLocalName().equals(device.getLocalName())) {
        continue;
      }
      if (alias.isPresent()) {
        if (alias.equals(alias(candidate))) {
          return Optional.of(candidate);
        }
      } else if (source.isPresent()) {
        if (source.equals(sourceAddress(candidate))) {
          return Optional.of(candidate);
        }
      } else if (mac.isPresent() && mac.equals(mac(candidate))) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** A device's {@code <alias name=…>} (libvirt assigns one to every device of a running domain). */
  public static Optional<String> alias(Element device) {
    return children(device, "alias").stream().map(a -> a.getAttribute("name"))
        .filter(s -> !s.isEmpty()).findFirst();
  }

  /** How a device is named in messages: its element, alias, source address or MAC. */
  public static String describe(Element device) {
    return "<" + device.getLocalName() + ">"
        + alias(device).map(a -> " " + a)
            .or(() -> sourceAddress(device).map(a -> " " + a))
            .or(() -> mac(device).map(m -> " " + m))
            .orElse("");
  }

  /** Serialises the whole document, keeping namespaces ({@code qemu:}) and CDATA. */
  public String serialize() {
    return SafeXml.serialize(document);
  }

  private static boolean isPciHostdev(Element e) {
    return "hostdev".equals(e.getLocalName()) && "subsystem".equals(e.getAttribute("mode"))
        && "pci".equals(e.getAttribute("type"));
  }

  private static boolean isHostdevInterface(Element e) {
    return "interface".equals(e.getLocalName()) && "hostdev".equals(e.getAttribute("type"));
  }

  private static PciHostdev hostdev(Element dev, boolean viaInterface) {
    PciAddress source = sourceAddress(dev).orElseThrow(() -> new InvalidInputException(
        "domain XML: <" + dev.getLocalName() + "> has no <source><address …/> PCI address"));
    Optional<PciAddress> guest = children(dev, "address").stream()
        .filter(a -> "pci".equals(a.getAttribute("type"))).findFirst().map(DomainXml::pciAddress);
    return new PciHostdev(source, guest, viaInterface, alias(dev), vlan(dev));
  }

  /** The single {@code <vlan><tag id=…/>} of an interface (a trunk of several tags is not ours). */
  private static java.util.OptionalInt vlan(Element dev) {
    List<Element> tags = new ArrayList<>();
    for (Element v : children(dev, "vlan")) {
      tags.addAll(children(v, "tag"));
    }
    if (tags.size() != 1 || !tags.get(0).getAttribute("id").matches("\\d{1,4}")) {
      return java.util.OptionalInt.empty();
    }
    return java.util.OptionalInt.of(Integer.parseInt(tags.get(0).getAttribute("id")));
  }

  private static Optional<PciAddress> sourceAddress(Element dev) {
    for (Element src : children(dev, "source")) {
      for (Element a : children(src, "address")) {
        String type = a.getAttribute("type");
        if (type.isEmpty() || "pci".equals(type)) {
          return Optional.of(pciAddress(a));
        }
      }
    }
    return Optional.empty();
  }

  private static Optional<String> mac(Element dev) {
    return children(dev, "mac").stream().map(m -> m.getAttribute("address"))
        .filter(s -> !s.isEmpty()).map(s -> MacAddress.parse(s).toString()).findFirst();
  }

  /** Reads libvirt's {@code domain='0x0000' bus='0x07' slot='0x00' function='0x1'} (hex or decimal). */
  private static PciAddress pciAddress(Element a) {
    try {
      return new PciAddress(number(a, "domain", true), number(a, "bus", false),
          number(a, "slot", false), number(a, "function", false));
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("domain XML: bad PCI <address domain='" + a.getAttribute("domain")
          + "' bus='" + a.getAttribute("bus") + "' slot='" + a.getAttribute("slot") + "' function='"
          + a.getAttribute("function") + "'/>: " + e.getMessage());
    }
  }

  private static int number(Element a, String attr, boolean optional) {
    String v = a.getAttribute(attr).trim();
    if (v.isEmpty()) {
      if (optional) {
        return 0;
      }
      throw new IllegalArgumentException("attribute '" + attr + "' is missing");
    }
    // libvirt writes these in hex with 0x; it also accepts decimal on input
    return v.startsWith("0x") || v.startsWith("0X")
        ? Integer.parseInt(v.substring(2), 16) : Integer.parseInt(v);
  }

  private static Optional<String> childText(Element parent, String name) {
    return children(parent, name).stream().map(e -> e.getTextContent().trim())
        .filter(s -> !s.isEmpty()).findFirst();
  }

  /** Direct children named {@code name} in no namespace (libvirt's own elements). */
  private static List<Element> children(Element parent, String name) {
    List<Element> out = new ArrayList<>();
    NodeList nodes = parent.getChildNodes();
    for (int i = 0; i < nodes.getLength(); i++) {
      if (nodes.item(i) instanceof Element e && name.equals(e.getLocalName())
          && e.getNamespaceURI() == null) {
        out.add(e);
      }
    }
    return out;
  }
}
