package org.kvmsriov.adapters.opennebula;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.kvmsriov.io.AtomicFiles;
import org.kvmsriov.io.InputFiles;
import org.kvmsriov.io.IoErrors;
import org.kvmsriov.xml.SafeXml;
import org.kvmsriov.model.VmId;
import org.kvmsriov.port.TemplateStore;
import java.util.Optional;
import org.kvmsriov.opennebula.VmTemplate;

/** {@link TemplateStore} in {@code <ledger dir>/templates/<vm id>.xml}. */
public final class FileTemplateStore implements TemplateStore {

  private final Path dir;

  /** @param ledgerDir templates live in its {@code templates/} subdirectory */
  public FileTemplateStore(Path ledgerDir) {
    this.dir = ledgerDir.resolve("templates");
  }

  @Override
  public void store(VmId vm, String xml) {
    Path file = dir.resolve(vm.value() + ".xml"); // a number: safe as a file name
    try {
      Files.createDirectories(dir);
      AtomicFiles.write(file, xml.getBytes(StandardCharsets.UTF_8), AtomicFiles.PRIVATE, step -> { });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void forget(VmId vm) {
    try {
      Files.deleteIfExists(dir.resolve(vm.value() + ".xml"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public Optional<VmTemplate> load(VmId vm, Optional<Path> deploymentDir) {
    int vmId = vm.value();
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
}
