package org.kvmsriov.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;

/** Reads the version Maven filtered into the jar. */
final class VersionProvider implements CommandLine.IVersionProvider {
  @Override
  public String[] getVersion() throws IOException {
    Properties p = new Properties();
    try (InputStream in = VersionProvider.class.getResourceAsStream("/kvm-sriov-version.properties")) {
      if (in != null) {
        p.load(in);
      }
    }
    return new String[] {"kvm-sriov " + p.getProperty("version", "unknown")};
  }
}
