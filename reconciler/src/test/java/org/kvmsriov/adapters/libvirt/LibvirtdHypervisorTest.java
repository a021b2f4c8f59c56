package org.kvmsriov.adapters.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.kvmsriov.port.DomainEvent;
import org.kvmsriov.port.DomainInfo;
import org.kvmsriov.port.DomainState;
import org.kvmsriov.port.HypervisorException;
import org.kvmsriov.xml.DomainXml;

/**
 * tldr: the adapter against two real, private {@code libvirtd}s with QEMU/TCG (started by
 * {@code src/test/support/libvirtd.sh}): hot attach, detach completed by a booted guest and seen
 * as libvirt's device-removed event, the deadline when no guest acks, shutdown's deadline,
 * save/restore of a running domain with an XML override, and live migration peer-to-peer and
 * client-driven between the two daemons. The guest is Debian's kernel with a busybox initramfs,
 * whose kernel (acpiphp) answers ACPI unplug requests. Skipped only when no QEMU is installed.
 */
@Tag("libvirtd")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LibvirtdHypervisorTest {

  static final Path ROOT = Path.of(System.getProperty("kvmsriov.projectRoot", "..")).toAbsolutePath().normalize();
  static final Path SCRIPT = ROOT.resolve("reconciler/src/test/support/libvirtd.sh");
  static final Path WORK = ROOT.resolve("reconciler/target/libvirtd");
  static final String GUEST = "kvmsriov-it-guest";
  /** Firmware only, no OS: nobody answers ACPI unplug or power-button requests. */
  static final String NOOS = "kvmsriov-it-noos";
  static final String NIC = "<interface type='user'><mac address='52:54:00:6b:73:01'/><model type='virtio'/></interface>";

  static LibvirtHypervisor a;
  static LibvirtHypervisor b;
  static String uriB;
  static Path kernel;
  static Path console;

  @BeforeAll
  static void startDaemonsAndBootTheGuest() throws Exception {
    Assumptions.assumeTrue(onPath("qemu-system-x86_64"),
        "skipped: no qemu-system-x86_64 (TCG QEMU) installed; bin/install-deps installs qemu-system-x86");
    String uriA = script("start", WORK.resolve("a").toString(), "49152");
    uriB = script("start", WORK.resolve("b").toString(), "49216");
    kernel = Path.of(script("guest", WORK.toString()));
    a = LibvirtHypervisor.open(uriA);
    b = LibvirtHypervisor.open(uriB);
    for (LibvirtHypervisor h : new LibvirtHypervisor[] {a, b}) {
      h.destroy(GUEST); // a run killed half-way leaves one behind
      h.destroy(NOOS);
    }
    console = WORK.resolve("guest-console.log");
    Files.deleteIfExists(console);
    a.create(guestXml(GUEST, true)); // boots while the guest-less tests run
    a.create(guestXml(NOOS, false));
  }

  @AfterAll
  static void stopDaemons() throws Exception {
    if (a != null) {
      a.destroy(NOOS);
    }
    for (LibvirtHypervisor h : new LibvirtHypervisor[] {a, b}) {
      if (h != null) {
        h.close();
      }
    }
    if (Files.exists(WORK)) {
      script("stop", WORK.resolve("a").toString());
      script("stop", WORK.resolve("b").toString());
    }
  }

  static String guestXml(String name, boolean withKernel) {
    String os = withKernel
        ? "<kernel>" + kernel + "</kernel><initrd>" + WORK.resolve("initrd.gz") + "</initrd>"
            + "<cmdline>console=ttyS0 quiet panic=-1</cmdline>"
        : "";
    String serial = withKernel
        ? "<serial type='file'><source path='" + console + "'/></serial>" : "";
    // <acpi/> gives the pc machine ACPI PCI hotplug; no disk, so nothing to share on migration
    return "<domain type='qemu'><name>" + name + "</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>"
        + "<os><type arch='x86_64' machine='pc'>hvm</type>" + os + "</os>"
        + "<features><acpi/></features><on_poweroff>destroy</on_poweroff>"
        + "<devices>" + serial + "<memballoon model='none'/></devices></domain>";
  }

  @Test
  @Order(1)
  void detachFailsAtTheDeadlineWhenNoGuestReleasesTheDevice() {
    a.attachDevice(NOOS, NIC);
    Instant start = Instant.now();

    assertThatThrownBy(() -> a.detachDevice(NOOS, NIC, Duration.ofSeconds(1)))
        .isInstanceOf(HypervisorException.class)
        .hasMessageStartingWith("device <interface> net0 is still attached to kvmsriov-it-noos after 1000 ms");
    assertThat(a.xml(NOOS)).contains("52:54:00:6b:73:01");
    // libvirt itself waits up to 5 s for the unplug before returning; we add no more than a poll
    assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofSeconds(15));
  }

  @Test
  @Order(2)
  void shutdownReturnsFalseAtTheDeadlineAndLeavesTheDomainRunning() {
    Instant start = Instant.now();

    assertThat(a.shutdown(NOOS, Duration.ofMillis(800))).isFalse();
    assertThat(Duration.between(start, Instant.now())).isGreaterThanOrEqualTo(Duration.ofMillis(800));
    assertThat(a.domain(NOOS)).map(DomainInfo::state).contains(DomainState.RUNNING);
  }

  @Test
  @Order(3)
  void attachThenDetachIsCompletedByTheGuestAndSeenAsADeviceRemovedEvent() throws Exception {
    awaitConsole("kvm-sriov-guest-ready", Duration.ofSeconds(90));
    LinkedBlockingQueue<DomainEvent> events = new LinkedBlockingQueue<>();
    try (AutoCloseable sub = a.onEvent(events::add)) {
      a.attachDevice(GUEST, NIC);
      assertThat(DomainXml.parse(a.xml(GUEST)).find(DomainXml.parse(NIC).root()).flatMap(DomainXml::alias))
          .contains("net0");

      Instant start = Instant.now();
      a.detachDevice(GUEST, NIC, Duration.ofSeconds(20));
      System.out.println("detach with a booted guest: " + Duration.between(start, Instant.now()).toMillis() + " ms");

      assertThat(a.xml(GUEST)).doesNotContain("52:54:00:6b:73:01");
      DomainEvent removed = null;
      for (DomainEvent e; (e = events.poll(10, TimeUnit.SECONDS)) != null; ) {
        if (e instanceof DomainEvent.DeviceRemoved) {
          removed = e;
          break;
        }
      }
      assertThat(removed).isEqualTo(new DomainEvent.DeviceRemoved(GUEST, "net0"));
    }
    assertThatThrownBy(() -> a.detachDevice(GUEST, NIC, Duration.ofSeconds(1)))
        .isInstanceOf(HypervisorException.class)
        .hasMessage("domain " + GUEST + " has no device <interface> 52:54:00:6b:73:01 to detach");
  }

  @Test
  @Order(4)
  void saveAndRestoreARunningDomainWithAnXmlOverride() throws Exception {
    Path image = WORK.resolve(GUEST + ".save");
    Files.deleteIfExists(image);

    a.save(GUEST, image);
    assertThat(a.domain(GUEST)).isEmpty();
    String override = a.savedXml(image).replace("</name>", "</name><description>restored by kvm-sriov</description>");
    DomainInfo back = a.restore(image, Optional.of(override));

    assertThat(back.name()).isEqualTo(GUEST);
    assertThat(back.state()).isEqualTo(DomainState.RUNNING);
    assertThat(a.xml(GUEST)).contains("<description>restored by kvm-sriov</description>");
    // the restored guest is the same running kernel: it still answers hotplug
    a.attachDevice(GUEST, NIC);
    a.detachDevice(GUEST, NIC, Duration.ofSeconds(20));
    assertThat(a.xml(GUEST)).doesNotContain("52:54:00:6b:73:01");
  }

  @Test
  @Order(5)
  void migratesPeerToPeerAndBackClientDriven() {
    a.migrate(GUEST, uriB, true, Optional.empty());
    assertThat(a.domain(GUEST)).isEmpty();
    assertThat(b.domain(GUEST)).map(DomainInfo::state).contains(DomainState.RUNNING);

    b.migrate(GUEST, a.uri(), false, Optional.empty());
    assertThat(b.domain(GUEST)).isEmpty();
    assertThat(a.domain(GUEST)).map(DomainInfo::state).contains(DomainState.RUNNING);
    a.destroy(GUEST);
    assertThat(a.domain(GUEST)).isEmpty();
  }

  @Test
  @Order(6)
  void aRefusedMigrationCarriesLibvirtsMessage() {
    assertThatThrownBy(() -> a.migrate(NOOS, "qemu+unix:///system?socket=/nonexistent/sock", true, Optional.empty()))
        .isInstanceOf(HypervisorException.class)
        .hasMessageStartingWith("cannot migrate domain kvmsriov-it-noos to qemu+unix:///system?socket=/nonexistent/sock: ")
        .hasMessageContaining("/nonexistent/sock");
    assertThat(a.domain(NOOS)).map(DomainInfo::state).contains(DomainState.RUNNING);
    a.destroy(NOOS);
    assertThat(a.domain(NOOS)).isEmpty();
  }

  /** Waits for the guest to print {@code marker} on its serial console, woken by inotify. */
  static void awaitConsole(String marker, Duration deadline) throws Exception {
    Instant end = Instant.now().plus(deadline);
    try (WatchService watch = FileSystems.getDefault().newWatchService()) {
      console.getParent().register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
      while (!(Files.exists(console) && Files.readString(console, StandardCharsets.ISO_8859_1).contains(marker))) {
        long left = Duration.between(Instant.now(), end).toMillis();
        if (left <= 0) {
          throw new AssertionError("guest did not print '" + marker + "' within " + deadline + "; console: "
              + (Files.exists(console) ? Files.readString(console, StandardCharsets.ISO_8859_1) : "(none)"));
        }
        WatchKey key = watch.poll(left, TimeUnit.MILLISECONDS);
        if (key != null) {
          key.pollEvents();
          key.reset();
        }
      }
    }
  }

  static String script(String... args) throws IOException, InterruptedException {
    String[] cmd = new String[args.length + 1];
    cmd[0] = SCRIPT.toString();
    System.arraycopy(args, 0, cmd, 1, args.length);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", cmd) + " did not finish within 120 s");
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (p.exitValue() != 0) {
      throw new AssertionError(String.join(" ", cmd) + " failed (" + p.exitValue() + "): " + out);
    }
    return out.lines().reduce((x, y) -> y).orElse("");
  }

  static boolean onPath(String program) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
      if (Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return false;
  }
}
