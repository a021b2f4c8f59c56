package org.kvmsriov.adapters.sysfs;

import java.nio.file.Path;
import org.kvmsriov.port.FabricException;

/** A sysfs file or link is missing or holds something the kernel would not write. Names the file. */
public class SysfsException extends FabricException {
  private final Path file;

  public SysfsException(Path file, String problem) {
    super(file + ": " + problem);
    this.file = file;
  }

  public Path file() {
    return file;
  }
}
