package org.kvmsriov.adapters.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.kvmsriov.port.HypervisorException;

/**
 * Every libvirt domain handle the adapter takes is freed before the call returns, failed or not.
 * A handle holds its connection: one left to finalisation kept the connection — to libvirtd, or
 * here test:///default's domains — alive after {@link LibvirtHypervisor#close}, until some GC.
 * The test driver shows it: its world ends only when its last connection is really closed.
 */
class DomainHandleReleaseTest {

  static final String VF = "<hostdev mode='subsystem' type='pci' managed='yes'><source>"
      + "<address domain='0x0000' bus='0x07' slot='0x00' function='0x1'/></source></hostdev>";

  @Test
  void afterCloseNoHandleKeepsTheTestDriversDomainsAlive() {
    try (LibvirtHypervisor a = LibvirtHypervisor.open("test:///default")) {
      a.create(TestDriverHypervisorTest.domainXml("one-91", UUID.randomUUID().toString(), "0000:07:00.1"));
      assertThat(a.xml("one-91")).contains("<name>one-91</name>");
      // each refused by the test driver, after the adapter has looked the domain up
      assertThatThrownBy(() -> a.attachDevice("one-91", VF)).isInstanceOf(HypervisorException.class);
      assertThatThrownBy(() -> a.detachDevice("one-91", VF, Duration.ofSeconds(1)))
          .isInstanceOf(HypervisorException.class);
      assertThatThrownBy(() -> a.save("one-91", Path.of("/nonexistent-dir/checkpoint")))
          .isInstanceOf(HypervisorException.class);
      assertThatThrownBy(() -> a.migrate("one-91", "test:///default", true, java.util.Optional.empty()))
          .isInstanceOf(HypervisorException.class);
    }
    try (LibvirtHypervisor b = LibvirtHypervisor.open("test:///default")) {
      assertThat(b.domain("one-91")).as("the first connection's world ended with it").isEmpty();
    }
  }
}
