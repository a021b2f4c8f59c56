package org.kvmsriov.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;

/**
 * {@code --version}: the version, commit and build date Maven filtered into the jar. A value the
 * build could not fill (no git checkout) reads "unknown" rather than a raw placeholder.
 */
final class VersionProvider implements CommandLine.IVersionProvider {

  static final String RESOURCE = "/kvm-sriov-version.properties";

  @Override
  public String[] getVersion() throws IOException {
    Properties p = new Properties();
    try (InputStream in = VersionProvider.class.getResourceAsStream(RESOURCE)) {
      if (in != null) {
        p.load(in);
      }
    }
    String commit = value(p, "commit");
    if (!commit.equals("unknown") && "1".equals(value(p, "dirty"))) {
      commit += " (with uncommitted changes)";
    }
    return new String[] {
      "kvm-sriov " + value(p, "version"),
      "commit " + commit,
      "built " + value(p, "built"),
    };
  }

  private static String value(Properties p, String key) {
    String v = p.getProperty(key, "");
    return v.isBlank() || v.contains("${") ? "unknown" : v;
  }
}
