package org.kvmsriov.adapters.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.port.DomainEvent;
import org.kvmsriov.port.DomainInfo;
import org.kvmsriov.port.DomainState;
import org.kvmsriov.port.HypervisorException;
import org.kvmsriov.port.PciHostdev;

/**
 * tldr: the adapter against libvirt's in-process {@code test:///} driver — XML, create, list,
 * destroy, shutdown, save/restore (with an XML override), lifecycle events, node files. Needs
 * only libvirt0; attach/detach and migration need a real libvirtd ({@link LibvirtdHypervisorTest}).
 */
class TestDriverHypervisorTest {

  static String domainXml(String name, String uuid, String... vfs) {
    StringBuilder devs = new StringBuilder();
    for (String vf : vfs) {
      PciAddress a = PciAddress.parse(vf);
      devs.append(String.format("<hostdev mode='subsystem' type='pci' managed='yes'><source>"
          + "<address domain='0x%04x' bus='0x%02x' slot='0x%02x' function='0x%x'/></source></hostdev>",
          a.domain(), a.bus(), a.slot(), a.function()));
    }
    return "<domain type='test'><name>" + name + "</name><uuid>" + uuid + "</uuid>"
        + "<memory>65536</memory><vcpu>1</vcpu><os><type>hvm</type></os>"
        + "<devices>" + devs + "</devices></domain>";
  }

  // test:///default is one world per process, shared by every test in this JVM: fresh UUIDs,
  // and every domain a test made is destroyed after it
  final String U1 = UUID.randomUUID().toString();
  final String U2 = UUID.randomUUID().toString();

  LibvirtHypervisor hv;

  @BeforeEach
  void open() {
    hv = LibvirtHypervisor.open("test:///default");
  }

  @AfterEach
  void close() {
    hv.domains().stream().map(DomainInfo::name).filter(n -> !n.equals("test")).forEach(hv::destroy);
    hv.close();
  }

  @Test
  void createsADomainWithHostdevsAndListsIt() {
    DomainInfo created = hv.create(domainXml("one-42", U1, "0000:07:00.1", "0000:07:00.2"));

    assertThat(created.name()).isEqualTo("one-42");
    assertThat(created.uuid()).hasToString(U1);
    assertThat(created.state()).isEqualTo(DomainState.RUNNING);
    assertThat(created.vmId()).hasValue(42);
    assertThat(created.hostdevs()).extracting(PciHostdev::source)
        .containsExactly(PciAddress.parse("0000:07:00.1"), PciAddress.parse("0000:07:00.2"));
    // the driver's own domain "test" is there too; ours is found by name and by UUID
    assertThat(hv.domains()).extracting(DomainInfo::name).contains("test", "one-42");
    assertThat(hv.domain(U1)).map(DomainInfo::name).contains("one-42");
    assertThat(hv.xml("one-42")).contains("<hostdev mode='subsystem' type='pci' managed='yes'>");
    assertThat(hv.domain("one-43")).isEmpty();
  }

  @Test
  void destroyStopsATransientDomainAndIsANoOpOnceItIsGone() {
    hv.create(domainXml("one-7", U2));

    hv.destroy("one-7");
    assertThat(hv.domain("one-7")).isEmpty();
    hv.destroy("one-7");
    hv.destroy(U2);
  }

  @Test
  void shutdownWaitsForTheDomainToStop() {
    hv.create(domainXml("one-8", U1));

    assertThat(hv.shutdown("one-8", Duration.ofSeconds(10))).isTrue();
    assertThat(hv.domain("one-8")).isEmpty();
    assertThat(hv.shutdown("one-8", Duration.ofSeconds(1))).as("already gone").isTrue();
  }

  @Test
  void saveAndRestoreBringsTheSameDomainBack(@TempDir Path dir) {
    hv.create(domainXml("one-9", U1, "0000:07:00.3"));
    Path image = dir.resolve("one-9.save");

    hv.save("one-9", image);
    assertThat(image).exists();
    assertThat(hv.domain("one-9")).isEmpty();

    DomainInfo back = hv.restore(image, Optional.empty());
    assertThat(back.name()).isEqualTo("one-9");
    assertThat(back.state()).isEqualTo(DomainState.RUNNING);
    assertThat(back.hostdevs()).extracting(PciHostdev::source).containsExactly(PciAddress.parse("0000:07:00.3"));
  }

  @Test
  void restoreWithAnXmlOverrideIsPassedToLibvirt(@TempDir Path dir) {
    hv.create(domainXml("one-10", U2, "0000:07:00.4"));
    Path image = dir.resolve("one-10.save");
    hv.save("one-10", image);
    assertThat(hv.savedXml(image)).contains("<name>one-10</name>");

    // the test driver refuses XML overrides; the QEMU driver applies them (LibvirtdHypervisorTest)
    assertThatThrownBy(() -> hv.restore(image, Optional.of(domainXml("one-10", U2))))
        .isInstanceOf(HypervisorException.class)
        .hasMessageStartingWith("cannot restore from " + image + ": ");
    assertThat(hv.domain("one-10")).isEmpty();
    assertThat(hv.restore(image, Optional.empty()).name()).isEqualTo("one-10");
  }

  @Test
  void restoringAMissingImageFailsWithLibvirtsMessage(@TempDir Path dir) {
    Path missing = dir.resolve("nope.save");

    assertThatThrownBy(() -> hv.restore(missing, Optional.empty()))
        .isInstanceOf(HypervisorException.class)
        .hasMessageStartingWith("cannot read save image " + missing + ": ")
        .hasMessageContaining("nope.save");
  }

  @Test
  void operationsOnAnUnknownDomainNameIt() {
    assertThatThrownBy(() -> hv.xml("one-999"))
        .isInstanceOf(HypervisorException.class)
        .hasMessage("no domain 'one-999' on test:///default");
  }

  @Test
  void theTestDriverRefusesHotplugAndMigrationWithLibvirtsMessage() {
    hv.create(domainXml("one-11", U1));

    assertThatThrownBy(() -> hv.attachDevice("one-11", "<interface type='user'/>"))
        .isInstanceOf(HypervisorException.class)
        .hasMessageStartingWith("cannot attach a device to domain one-11: ")
        .hasMessageContaining("not supported");
    assertThatThrownBy(() -> hv.migrate("one-11", "test:///default", true, Optional.empty()))
        .isInstanceOf(HypervisorException.class)
        .hasMessageStartingWith("cannot migrate domain one-11 to test:///default: ");
  }

  @Test
  void aCreateRefusedByLibvirtCarriesItsMessage() {
    assertThatThrownBy(() -> hv.create("<domain type='test'><name>x</name></domain>"))
        .isInstanceOf(HypervisorException.class)
        .hasMessageStartingWith("cannot create domain: ")
        .hasMessage("cannot create domain: XML error: an os <type> must be specified");
  }

  @Test
  void lifecycleEventsReachListenersUntilTheyUnsubscribe() throws Exception {
    LinkedBlockingQueue<DomainEvent> events = new LinkedBlockingQueue<>();
    AutoCloseable sub = hv.onEvent(events::add);

    hv.create(domainXml("one-12", U2));
    assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo(new DomainEvent.Lifecycle("one-12", DomainState.RUNNING));
    hv.destroy("one-12");
    assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo(new DomainEvent.Lifecycle("one-12", DomainState.SHUTOFF));

    sub.close();
    hv.create(domainXml("one-13", U1));
    hv.destroy("one-13");
    // the driver emits events synchronously on the loop; a quiet second proves we left
    assertThat(events.poll(1, TimeUnit.SECONDS)).isNull();
  }

  @Test
  void aListenerThatThrowsDoesNotStarveTheOthers() throws Exception {
    LinkedBlockingQueue<DomainEvent> events = new LinkedBlockingQueue<>();
    try (AutoCloseable bad = hv.onEvent(e -> {
          throw new IllegalStateException("listener bug");
        });
        AutoCloseable good = hv.onEvent(events::add)) {
      hv.create(domainXml("one-14", U1));

      assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo(new DomainEvent.Lifecycle("one-14", DomainState.RUNNING));
    }
  }

  @Test
  void aClosedAdapterRefusesNewSubscriptions() {
    LibvirtHypervisor other = LibvirtHypervisor.open("test:///default");
    other.close();
    other.close(); // idempotent

    assertThatThrownBy(() -> other.onEvent(e -> { }))
        .isInstanceOf(HypervisorException.class)
        .hasMessage("connection to test:///default is closed");
  }

  @Test
  void aNodeFileGivesEveryConnectionTheSameDeclaredWorld(@TempDir Path dir) throws Exception {
    Path node = dir.resolve("host.xml");
    Files.writeString(node, "<node>" + domainXml("one-20", U1, "0000:07:00.5") + "</node>");
    String uri = "test://" + node.toAbsolutePath();

    try (LibvirtHypervisor a = LibvirtHypervisor.open(uri); LibvirtHypervisor b = LibvirtHypervisor.open(uri)) {
      a.destroy("one-20");
      assertThat(a.domain("one-20")).map(DomainInfo::state).contains(DomainState.SHUTOFF);
      List<DomainInfo> seenByB = b.domains();
      assertThat(seenByB).extracting(DomainInfo::name).containsExactly("one-20");
      assertThat(seenByB.get(0).state()).as("each connection starts from the file").isEqualTo(DomainState.RUNNING);
      assertThat(seenByB.get(0).hostdevs()).extracting(PciHostdev::source)
          .containsExactly(PciAddress.parse("0000:07:00.5"));
    }
  }

  @Test
  void refusesToConnectToANonsenseUriWithLibvirtsMessage() {
    assertThatThrownBy(() -> LibvirtHypervisor.open("nosuchdriver:///x"))
        .isInstanceOf(HypervisorException.class)
        .hasMessageStartingWith("cannot connect to libvirt at nosuchdriver:///x: ");
  }
}
