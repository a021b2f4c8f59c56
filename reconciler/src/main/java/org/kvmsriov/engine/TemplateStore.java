package org.kvmsriov.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import org.kvmsriov.opennebula.VmNic;
import org.kvmsriov.opennebula.VmTemplate;
import org.kvmsriov.io.InputFiles;
import org.kvmsriov.io.IoErrors;
import org.kvmsriov.model.MacAddress;
import org.kvmsriov.xml.SafeXml;

/**
 * VM templates kept for deploy: OpenNebula gives a NIC's VLAN_ID to network drivers, not to
 * deploy (whose stdin is the libvirt XML). The network driver's {@code pre} step, which runs
 * before deploy, stores the template here; 6.x also writes {@code vm.xml} beside the deployment
 * file, which wins when present.
 */
public final class TemplateStore {

  private final Path dir;

  /** @param ledgerDir templates live in its {@code templates/} subdirectory */
  public TemplateStore(Path ledgerDir) {
    this.dir = ledgerDir.resolve("templates");
  }

  /** Stores the template of VM {@code vmId} (the raw XML), replacing an older one atomically. */
  public void store(int vmId, String xml) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + dir + ": " + e.getMessage(), e);
    }
    DriverActions.writeAtomically(dir.resolve(vmId + ".xml"), xml); // an int: safe as a file name
  }

  public void forget(int vmId) {
    try {
      Files.deleteIfExists(dir.resolve(vmId + ".xml"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The template for VM {@code vmId}: {@code <deployment dir>/vm.xml} (6.x), else the stored one. */
  public Optional<VmTemplate> load(int vmId, Optional<Path> deploymentDir) {
    Optional<Path> vmXml = deploymentDir.map(d -> d.resolve("vm.xml")).filter(Files::isRegularFile);
    for (Path p : vmXml.isPresent() ? new Path[] {vmXml.get(), dir.resolve(vmId + ".xml")}
        : new Path[] {dir.resolve(vmId + ".xml")}) {
      try {
        VmTemplate t = VmTemplate.parse(InputFiles.read(p, SafeXml.MAX_CHARS, "VM template"));
        if (t.vmId() == vmId) {
          return Optional.of(t);
        }
      } catch (NoSuchFileException e) {
        // not there: try the next source
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + p + ": " + IoErrors.reason(e), e);
      }
    }
    return Optional.empty();
  }

  /** A NIC's VLAN_ID by its MAC, from the VM's template, when known. */
  public static java.util.function.Function<MacAddress, Optional<String>> vlans(Optional<VmTemplate> t) {
    return mac -> t.flatMap(tt -> tt.nics().stream().filter(n -> n.mac().equals(mac)).findFirst())
        .flatMap(VmNic::vlanId);
  }
}
