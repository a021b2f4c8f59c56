package org.kvmsriov.testsupport;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.kvmsriov.xml.DomainXml;
import org.kvmsriov.adapters.libvirt.LibvirtHypervisor;
import org.kvmsriov.app.HypervisorConnector;
import org.kvmsriov.port.DomainEvent;
import org.kvmsriov.port.DomainInfo;
import org.kvmsriov.port.Hypervisor;
import org.kvmsriov.port.HypervisorException;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * libvirt's test driver ({@code test:///default}, in process) with device hot-plug added.
 *
 * <p>The test driver creates, destroys, saves and restores domains with hostdevs in their XML,
 * and refuses {@code virDomainAttachDevice}/{@code virDomainDetachDevice} ("this function is not
 * supported by the connection driver"); a real libvirtd cannot attach the fixtures' sysfs VFs.
 * So this wrapper keeps, per domain, the devices attached and detached since it was created and
 * applies them to what it reports of that domain (live XML, hostdevs), finding the device to
 * detach as {@link LibvirtHypervisor#detachDevice} does ({@link DomainXml#find}: alias, else PCI
 * source, else MAC) and failing the same way when it is not there. Everything else — create,
 * destroy, save (a directory that does not exist is refused), restore (a corrupt or missing image
 * is refused), the save image's XML — is the test driver's own. A save keeps the domain's
 * changes: its image was written without the VFs detached before it, as a real one would be.
 *
 * <p>{@link Devices#refuseAttach} and {@link Devices#refuseDetach} hand those calls to the test
 * driver, which refuses them for real.
 *
 * <p>The test driver refuses a restore with an XML override: this wrapper records the override
 * ({@link Devices#restoreOverrides}) and restores the image as saved (LibvirtdHypervisorTest
 * shows QEMU applying one).
 */
public final class HotplugTestDriver implements Hypervisor {

  /** Hot-plug changes, shared by every connection a test opens (each CLI run opens its own). */
  public static final class Devices {
    private final Map<String, List<Change>> byDomain = new HashMap<>();
    private boolean refuseAttach;
    private boolean refuseDetach;
    private final List<String> calls = new ArrayList<>();
    private final List<Optional<String>> restoreOverrides = new ArrayList<>();

    public Devices refuseAttach(boolean refuse) {
      refuseAttach = refuse;
      return this;
    }

    public Devices refuseDetach(boolean refuse) {
      refuseDetach = refuse;
      return this;
    }

    /** The XML override of every restore asked for, in order (empty: restore as saved). */
    public List<Optional<String>> restoreOverrides() {
      return List.copyOf(restoreOverrides);
    }

    /** Every attach and detach asked for, in order: {@code attach one-7 <device xml>}. */
    public List<String> calls() {
      return List.copyOf(calls);
    }

    /** A connector whose connections share these changes. */
    public HypervisorConnector connector() {
      return uri -> new HotplugTestDriver(LibvirtHypervisor.open(uri), this);
    }
  }

  private record Change(boolean attach, String deviceXml) {}

  private final LibvirtHypervisor testDriver;
  private final Devices devices;

  public HotplugTestDriver(LibvirtHypervisor testDriver, Devices devices) {
    this.testDriver = testDriver;
    this.devices = devices;
  }

  @Override
  public List<DomainInfo> domains() {
    return testDriver.domains().stream().map(this::withChanges).toList();
  }

  @Override
  public Optional<DomainInfo> domain(String nameOrUuid) {
    return testDriver.domain(nameOrUuid).map(this::withChanges);
  }

  @Override
  public String xml(String nameOrUuid) {
    String name = testDriver.domain(nameOrUuid).map(DomainInfo::name).orElse(nameOrUuid);
    return apply(testDriver.xml(nameOrUuid), devices.byDomain.getOrDefault(name, List.of())).serialize();
  }

  @Override
  public DomainInfo create(String xml) {
    DomainInfo d = testDriver.create(xml);
    devices.byDomain.remove(d.name()); // a new domain starts as its XML says
    return d;
  }

  @Override
  public void destroy(String nameOrUuid) {
    testDriver.domain(nameOrUuid).ifPresent(d -> devices.byDomain.remove(d.name()));
    testDriver.destroy(nameOrUuid);
  }

  @Override
  public boolean shutdown(String nameOrUuid, Duration deadline) {
    return testDriver.shutdown(nameOrUuid, deadline);
  }

  @Override
  public void save(String nameOrUuid, Path file) {
    testDriver.save(nameOrUuid, file);
  }

  @Override
  public String savedXml(Path file) {
    return testDriver.savedXml(file);
  }

  @Override
  public DomainInfo restore(Path file, Optional<String> xml) {
    devices.restoreOverrides.add(xml);
    return withChanges(testDriver.restore(file, Optional.empty()));
  }

  @Override
  public void attachDevice(String nameOrUuid, String deviceXml) {
    String name = require(nameOrUuid);
    devices.calls.add("attach " + name + " " + deviceXml);
    if (devices.refuseAttach) {
      testDriver.attachDevice(nameOrUuid, deviceXml);
    }
    DomainXml.parse(deviceXml); // well-formed, as libvirt would insist
    devices.byDomain.computeIfAbsent(name, k -> new ArrayList<>()).add(new Change(true, deviceXml));
  }

  @Override
  public void detachDevice(String nameOrUuid, String deviceXml, Duration deadline) {
    String name = require(nameOrUuid);
    devices.calls.add("detach " + name + " " + deviceXml);
    if (devices.refuseDetach) {
      testDriver.detachDevice(nameOrUuid, deviceXml, deadline);
    }
    List<Change> changes = devices.byDomain.computeIfAbsent(name, k -> new ArrayList<>());
    Element wanted = DomainXml.parse(deviceXml).root();
    if (apply(testDriver.xml(name), changes).find(wanted).isEmpty()) {
      throw new HypervisorException("domain " + name + " has no device " + DomainXml.describe(wanted) + " to detach");
    }
    changes.add(new Change(false, deviceXml));
  }

  @Override
  public void migrate(String nameOrUuid, String destinationUri, boolean peerToPeer, Optional<String> xml) {
    testDriver.migrate(nameOrUuid, destinationUri, peerToPeer, xml);
  }

  @Override
  public AutoCloseable onEvent(Consumer<DomainEvent> listener) {
    return testDriver.onEvent(listener);
  }

  @Override
  public void close() {
    testDriver.close();
  }

  private String require(String nameOrUuid) {
    return testDriver.domain(nameOrUuid).filter(DomainInfo::isActive).map(DomainInfo::name)
        .orElseThrow(() -> new HypervisorException("domain " + nameOrUuid + " is not running"));
  }

  private DomainInfo withChanges(DomainInfo d) {
    List<Change> changes = devices.byDomain.getOrDefault(d.name(), List.of());
    if (changes.isEmpty() || !d.isActive()) {
      return d;
    }
    return new DomainInfo(d.name(), d.uuid(), d.state(), apply(testDriver.xml(d.name()), changes).pciHostdevs());
  }

  /** The domain's XML with the changes applied in order. */
  private static DomainXml apply(String xml, List<Change> changes) {
    DomainXml dom = DomainXml.parse(xml);
    Element devicesElement = (Element) dom.root().getElementsByTagName("devices").item(0);
    for (Change c : changes) {
      Element device = DomainXml.parse(c.deviceXml()).root();
      if (c.attach()) {
        Node copy = dom.document().importNode(device, true);
        devicesElement.appendChild(copy);
      } else {
        dom.find(device).ifPresent(e -> e.getParentNode().removeChild(e));
      }
    }
    return dom;
  }
}
