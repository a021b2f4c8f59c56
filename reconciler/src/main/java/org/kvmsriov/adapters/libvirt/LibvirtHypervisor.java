package org.kvmsriov.adapters.libvirt;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.kvmsriov.config.InvalidInputException;
import org.kvmsriov.port.DomainEvent;
import org.kvmsriov.port.DomainInfo;
import org.kvmsriov.port.DomainState;
import org.kvmsriov.port.Hypervisor;
import org.kvmsriov.port.HypervisorException;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.w3c.dom.Element;
import org.kvmsriov.xml.DomainXml;

/**
 * {@link Hypervisor} over libvirt-java 0.5.2, with {@link LibvirtNative} for what it lacks
 * (device-removed events, restore with an XML override, the XML inside a save image).
 *
 * <p>One instance holds one libvirt connection; it is thread-safe as libvirt connections are.
 * Opening the first instance starts libvirt's event loop ({@link EventLoop}); event listeners
 * run on that loop's thread and must return quickly. Waits (shutdown, detach) block the caller
 * on an event or on polling with a deadline, never on a fixed sleep.
 */
public final class LibvirtHypervisor implements Hypervisor {

  private static final Logger LOG = LoggerFactory.getLogger(LibvirtHypervisor.class);
  /** How often a wait re-reads libvirt when no event arrives (drivers without events, lost events). */
  private static final Duration POLL = Duration.ofMillis(200);
  private static final int AFFECT_LIVE = 1; // VIR_DOMAIN_AFFECT_LIVE
  private static final long MIGRATE_LIVE = 1; // VIR_MIGRATE_LIVE
  private static final long MIGRATE_PEER2PEER = 2; // VIR_MIGRATE_PEER2PEER

  private final String uri;
  private final LibvirtConnect conn;
  private final List<Consumer<DomainEvent>> listeners = new CopyOnWriteArrayList<>();
  // strong references: libvirt calls these from native code for as long as they are registered
  private LibvirtNative.LifecycleCallback lifecycleCallback;
  private LibvirtNative.DeviceRemovedCallback removedCallback;
  private int lifecycleId = -1;
  private int removedId = -1;
  private boolean closed;

  private LibvirtHypervisor(String uri, LibvirtConnect conn) {
    this.uri = uri;
    this.conn = conn;
  }

  /**
   * Connects to libvirt at {@code uri} ({@code qemu:///system}, {@code test:///default}, …).
   *
   * @throws HypervisorException when libvirt refuses the connection
   */
  public static LibvirtHypervisor open(String uri) {
    EventLoop.ensureRunning(); // before the connection, or it never delivers events
    try {
      return new LibvirtHypervisor(uri, new LibvirtConnect(uri));
    } catch (LibvirtException e) {
      throw new HypervisorException("cannot connect to libvirt at " + uri + ": " + e.getMessage(), e);
    }
  }

  /** The URI this instance is connected to. */
  public String uri() {
    return uri;
  }

  @Override
  public List<DomainInfo> domains() {
    List<DomainInfo> out = new ArrayList<>();
    try {
      for (int id : conn.listDomains()) {
        // a domain may stop between listing and lookup: skip it, it is no longer there
        lookup(() -> conn.domainLookupByID(id)).flatMap(this::infoAndFree).ifPresent(out::add);
      }
      for (String name : conn.listDefinedDomains()) {
        lookup(() -> conn.domainLookupByName(name)).flatMap(this::infoAndFree).ifPresent(out::add);
      }
    } catch (LibvirtException e) {
      throw fail("cannot list domains", e);
    }
    return out;
  }

  @Override
  public Optional<DomainInfo> domain(String nameOrUuid) {
    return find(nameOrUuid).flatMap(this::infoAndFree);
  }

  @Override
  public String xml(String nameOrUuid) {
    Domain d = require(nameOrUuid);
    try {
      return d.getXMLDesc(0);
    } catch (LibvirtException e) {
      throw fail("cannot read the XML of domain " + nameOrUuid, e);
    } finally {
      free(d);
    }
  }

  @Override
  public DomainInfo create(String xml) {
    try {
      Domain d = conn.domainCreateXML(xml, 0);
      return infoAndFree(d).orElseThrow(() -> new HypervisorException("domain vanished right after creation"));
    } catch (LibvirtException e) {
      throw fail("cannot create domain", e);
    }
  }

  @Override
  public void destroy(String nameOrUuid) {
    Optional<Domain> d = find(nameOrUuid);
    if (d.isEmpty()) {
      return;
    }
    try {
      d.get().destroy();
    } catch (LibvirtException e) {
      if (gone(e) || notRunning(e)) {
        return;
      }
      throw fail("cannot destroy domain " + nameOrUuid, e);
    } finally {
      free(d.get());
    }
  }

  @Override
  public boolean shutdown(String nameOrUuid, Duration deadline) {
    Instant end = Instant.now().plus(deadline);
    Optional<Domain> found = find(nameOrUuid);
    if (found.isEmpty()) {
      return true;
    }
    Domain d = found.get();
    try {
      return shutdown(d, nameOrUuid, end);
    } finally {
      free(d);
    }
  }

  private boolean shutdown(Domain d, String nameOrUuid, Instant end) {
    String name = name(d);
    CompletableFuture<Void> stopped = new CompletableFuture<>();
    try (AutoCloseable sub = onEvent(e -> {
      if (e instanceof DomainEvent.Lifecycle l && l.domain().equals(name)
          && l.state() == DomainState.SHUTOFF) {
        stopped.complete(null);
      }
    })) {
      try {
        d.shutdown();
      } catch (LibvirtException e) {
        if (gone(e) || notRunning(e)) {
          return true;
        }
        throw fail("cannot shut down domain " + nameOrUuid, e);
      }
      return await(end, stopped, () -> isStopped(nameOrUuid));
    } catch (HypervisorException e) {
      throw e;
    } catch (Exception e) {
      throw new HypervisorException("shutdown of " + nameOrUuid + " interrupted: " + e, e);
    }
  }

  @Override
  public void save(String nameOrUuid, Path file) {
    Domain d = require(nameOrUuid);
    try {
      d.save(file.toAbsolutePath().toString());
    } catch (LibvirtException e) {
      throw fail("cannot save domain " + nameOrUuid + " to " + file, e);
    } finally {
      free(d);
    }
  }

  @Override
  public DomainInfo restore(Path file, Optional<String> xml) {
    String path = file.toAbsolutePath().toString();
    // virDomainRestoreFlags does not say which domain it restored: learn it from the XML
    DomainXml identity = domainXml(xml.orElseGet(() -> savedXml(file)), "the restore XML");
    if (LibvirtNative.INSTANCE.virDomainRestoreFlags(conn.pointer(), path, xml.orElse(null), 0) < 0) {
      throw new HypervisorException(
          "cannot restore from " + file + ": " + LibvirtNative.INSTANCE.virGetLastErrorMessage());
    }
    String key = identity.uuid().map(UUID::toString).or(identity::name)
        .orElseThrow(() -> new HypervisorException("the restored XML names no domain"));
    return domain(key).orElseThrow(
        () -> new HypervisorException("domain " + key + " is not there after restore from " + file));
  }

  @Override
  public String savedXml(Path file) {
    String path = file.toAbsolutePath().toString();
    Pointer p = LibvirtNative.INSTANCE.virDomainSaveImageGetXMLDesc(conn.pointer(), path, 0);
    if (p == null) {
      throw new HypervisorException(
          "cannot read save image " + path + ": " + LibvirtNative.INSTANCE.virGetLastErrorMessage());
    }
    try {
      return p.getString(0, "UTF-8");
    } finally {
      Native.free(Pointer.nativeValue(p));
    }
  }

  @Override
  public void attachDevice(String nameOrUuid, String deviceXml) {
    Domain d = require(nameOrUuid);
    try {
      d.attachDeviceFlags(deviceXml, AFFECT_LIVE);
    } catch (LibvirtException e) {
      throw fail("cannot attach a device to domain " + nameOrUuid, e);
    } finally {
      free(d);
    }
  }

  @Override
  public void detachDevice(String nameOrUuid, String deviceXml, Duration deadline) {
    Instant end = Instant.now().plus(deadline);
    Domain d = require(nameOrUuid);
    try {
      detach(d, deviceXml, end, deadline);
    } finally {
      free(d);
    }
  }

  private void detach(Domain d, String deviceXml, Instant end, Duration deadline) {
    String name = name(d);
    Element wanted = domainXml(deviceXml, "the device XML").root();
    Element present = liveXml(d).find(wanted).orElseThrow(() -> new HypervisorException(
        "domain " + name + " has no device " + DomainXml.describe(wanted) + " to detach"));
    Optional<String> alias = DomainXml.alias(present);
    CompletableFuture<Void> removed = new CompletableFuture<>();
    try (AutoCloseable sub = onEvent(e -> {
      if (e instanceof DomainEvent.DeviceRemoved r && r.domain().equals(name)
          && alias.isPresent() && r.alias().equals(alias.get())) {
        removed.complete(null);
      }
    })) {
      try {
        d.detachDeviceFlags(deviceXml, AFFECT_LIVE);
      } catch (LibvirtException e) {
        throw fail("cannot detach " + DomainXml.describe(present) + " from domain " + name, e);
      }
      if (!await(end, removed, () -> liveXml(d).find(wanted).isEmpty())) {
        throw new HypervisorException("device " + DomainXml.describe(present) + " is still attached to "
            + name + " after " + deadline.toMillis() + " ms: the guest has not released it"
            + " (hot-unplug needs a guest OS that handles ACPI/PCIe unplug requests)");
      }
    } catch (HypervisorException e) {
      throw e;
    } catch (Exception e) {
      throw new HypervisorException("detach from " + name + " interrupted: " + e, e);
    }
  }

  @Override
  public void migrate(String nameOrUuid, String destinationUri, boolean peerToPeer, Optional<String> xml) {
    Domain d = require(nameOrUuid);
    try {
      if (peerToPeer) {
        // virDomainMigrateToURI2: the source libvirtd connects to the destination itself
        d.migrateToURI(destinationUri, null, xml.orElse(null), MIGRATE_LIVE | MIGRATE_PEER2PEER, null, 0);
        return;
      }
      // virDomainMigrate2 driven by this client, which talks to both libvirtds
      Connect dest = new Connect(destinationUri);
      try {
        d.migrate(dest, MIGRATE_LIVE, xml.orElse(null), null, null, 0);
      } finally {
        dest.close();
      }
    } catch (LibvirtException e) {
      throw fail("cannot migrate domain " + nameOrUuid + " to " + destinationUri, e);
    } finally {
      free(d);
    }
  }

  @Override
  public AutoCloseable onEvent(Consumer<DomainEvent> listener) {
    registerCallbacks();
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    Pointer c = conn.pointer();
    if (lifecycleId >= 0) {
      LibvirtNative.INSTANCE.virConnectDomainEventDeregisterAny(c, lifecycleId);
    }
    if (removedId >= 0) {
      LibvirtNative.INSTANCE.virConnectDomainEventDeregisterAny(c, removedId);
    }
    listeners.clear();
    try {
      conn.close();
    } catch (LibvirtException e) {
      throw fail("cannot close the libvirt connection", e);
    }
  }

  // --- events ---

  private synchronized void registerCallbacks() {
    if (closed) {
      throw new HypervisorException("connection to " + uri + " is closed");
    }
    if (lifecycleId >= 0) {
      return;
    }
    lifecycleCallback = (c, dom, event, detail, opaque) -> {
      lifecycleState(event).ifPresent(s -> publish(new DomainEvent.Lifecycle(
          LibvirtNative.INSTANCE.virDomainGetName(dom), s)));
      return 0;
    };
    removedCallback = (c, dom, alias, opaque) -> publish(new DomainEvent.DeviceRemoved(
        LibvirtNative.INSTANCE.virDomainGetName(dom), alias));
    Pointer c = conn.pointer();
    int lid = LibvirtNative.INSTANCE.virConnectDomainEventRegisterAny(
        c, null, LibvirtNative.EVENT_ID_LIFECYCLE, lifecycleCallback, null, null);
    if (lid < 0) {
      throw new HypervisorException("cannot subscribe to lifecycle events on " + uri + ": "
          + LibvirtNative.INSTANCE.virGetLastErrorMessage());
    }
    int rid = LibvirtNative.INSTANCE.virConnectDomainEventRegisterAny(
        c, null, LibvirtNative.EVENT_ID_DEVICE_REMOVED, removedCallback, null, null);
    if (rid < 0) {
      String message = LibvirtNative.INSTANCE.virGetLastErrorMessage();
      LibvirtNative.INSTANCE.virConnectDomainEventDeregisterAny(c, lid);
      throw new HypervisorException("cannot subscribe to device-removed events on " + uri + ": " + message);
    }
    lifecycleId = lid;
    removedId = rid;
  }

  private void publish(DomainEvent event) {
    for (Consumer<DomainEvent> l : listeners) {
      try {
        l.accept(event);
      } catch (RuntimeException e) {
        // a faulty listener must not starve the others or unwind into native code
        LOG.warn("domain event listener failed on {}: {}", event, e.toString());
      }
    }
  }

  /** virDomainEventType → the state it leaves the domain in; DEFINED/UNDEFINED change none. */
  private static Optional<DomainState> lifecycleState(int event) {
    return Optional.ofNullable(switch (event) {
      case 2, 4 -> DomainState.RUNNING; // STARTED, RESUMED
      case 3 -> DomainState.PAUSED; // SUSPENDED
      case 5 -> DomainState.SHUTOFF; // STOPPED
      case 6 -> DomainState.SHUTDOWN; // SHUTDOWN (the guest is shutting down)
      case 7 -> DomainState.PMSUSPENDED;
      case 8 -> DomainState.CRASHED;
      default -> null;
    });
  }

  /**
   * Waits until {@code signal} completes or {@code done} holds, re-checking {@code done} every
   * {@link #POLL}; false when {@code end} passes first.
   */
  private static boolean await(Instant end, CompletableFuture<Void> signal, BooleanSupplier done)
      throws InterruptedException {
    while (true) {
      if (signal.isDone() || done.getAsBoolean()) {
        return true;
      }
      Duration left = Duration.between(Instant.now(), end);
      if (left.isNegative() || left.isZero()) {
        return false;
      }
      try {
        signal.get(Math.min(left.toMillis(), POLL.toMillis()) + 1, TimeUnit.MILLISECONDS);
        return true;
      } catch (TimeoutException e) {
        // no event yet: poll again
      } catch (ExecutionException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  // --- lookups and conversions ---

  private interface Lookup {
    Domain get() throws LibvirtException;
  }

  private Optional<Domain> lookup(Lookup lookup) {
    try {
      return Optional.of(lookup.get());
    } catch (LibvirtException e) {
      if (gone(e)) {
        return Optional.empty();
      }
      throw fail("cannot look up a domain", e);
    }
  }

  private Optional<Domain> find(String nameOrUuid) {
    return lookup(() -> isUuid(nameOrUuid)
        ? conn.domainLookupByUUIDString(nameOrUuid) : conn.domainLookupByName(nameOrUuid));
  }

  private Domain require(String nameOrUuid) {
    return find(nameOrUuid).orElseThrow(
        () -> new HypervisorException("no domain '" + nameOrUuid + "' on " + uri));
  }

  private static boolean isUuid(String s) {
    try {
      return UUID.fromString(s).toString().equalsIgnoreCase(s);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private Optional<DomainInfo> info(Domain d) {
    try {
      String xml = d.getXMLDesc(0);
      return Optional.of(new DomainInfo(d.getName(), UUID.fromString(d.getUUIDString()),
          state(d.getInfo().state), domainXml(xml, "libvirt's XML of " + d.getName()).pciHostdevs()));
    } catch (LibvirtException e) {
      if (gone(e)) {
        return Optional.empty();
      }
      throw fail("cannot read domain", e);
    }
  }

  /**
   * Reads a domain and releases libvirt's handle now rather than at finalisation: list and
   * poll loops of the long-running daemon would otherwise pile up handles.
   */
  private Optional<DomainInfo> infoAndFree(Domain d) {
    try {
      return info(d);
    } finally {
      free(d);
    }
  }

  /**
   * Releases libvirt's handle now. A handle holds its connection: one left to finalisation keeps
   * the connection (to libvirtd, or test:///default's state) open after {@link #close}.
   */
  private static void free(Domain d) {
    try {
      d.free();
    } catch (LibvirtException e) {
      LOG.debug("freeing a domain handle: {}", e.getMessage());
    }
  }

  private boolean isStopped(String nameOrUuid) {
    // a transient domain disappears when it stops; a persistent one stays, shut off
    return find(nameOrUuid).flatMap(this::infoAndFree).map(i -> i.state() == DomainState.SHUTOFF).orElse(true);
  }

  private static DomainState state(org.libvirt.DomainInfo.DomainState s) {
    return switch (s) {
      case VIR_DOMAIN_RUNNING -> DomainState.RUNNING;
      case VIR_DOMAIN_BLOCKED -> DomainState.BLOCKED;
      case VIR_DOMAIN_PAUSED -> DomainState.PAUSED;
      case VIR_DOMAIN_SHUTDOWN -> DomainState.SHUTDOWN;
      case VIR_DOMAIN_SHUTOFF -> DomainState.SHUTOFF;
      case VIR_DOMAIN_CRASHED -> DomainState.CRASHED;
      case VIR_DOMAIN_NOSTATE -> DomainState.NOSTATE;
    };
  }

  private String name(Domain d) {
    try {
      return d.getName();
    } catch (LibvirtException e) {
      throw fail("cannot read a domain's name", e);
    }
  }

  private DomainXml liveXml(Domain d) {
    try {
      return domainXml(d.getXMLDesc(0), "libvirt's XML of " + d.getName());
    } catch (LibvirtException e) {
      throw fail("cannot read the live XML", e);
    }
  }

  /** libvirt's own XML failing to parse is libvirt's problem; the caller's XML is bad input. */
  private static DomainXml domainXml(String xml, String what) {
    try {
      return DomainXml.parse(xml);
    } catch (InvalidInputException e) {
      if (what.startsWith("libvirt")) {
        throw new HypervisorException(what + ": " + e.getMessage(), e);
      }
      throw e;
    }
  }

  private static boolean gone(LibvirtException e) {
    return e.getError() != null && e.getError().getCode() == ErrorNumber.VIR_ERR_NO_DOMAIN;
  }

  private static boolean notRunning(LibvirtException e) {
    return e.getError() != null && e.getError().getCode() == ErrorNumber.VIR_ERR_OPERATION_INVALID
        && e.getMessage() != null && e.getMessage().contains("not running");
  }

  private static HypervisorException fail(String what, LibvirtException e) {
    return new HypervisorException(what + ": " + e.getMessage(), e);
  }
}
