package org.kvmsriov.legacy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.kvmsriov.config.Problem;
import org.kvmsriov.io.InputFiles;
import org.kvmsriov.io.IoErrors;
import org.kvmsriov.model.MacAddress;
import org.kvmsriov.model.OfedPort;
import org.kvmsriov.model.PciAddress;

/**
 * Parsers for the add-on's files, exactly as its README and scripts define them. Each collects
 * {@link Problem}s with file and line instead of skipping what it does not understand.
 */
final class LegacyFiles {

  /** {@code 0x07 0x00 0x01}: bus slot function, hex, single spaces (README step 5). */
  private static final Pattern MAP_LINE =
      Pattern.compile("0x([0-9a-fA-F]{1,2}) 0x([0-9a-fA-F]{1,2}) 0x(0?[0-7])");
  /** {@code device 0} / {@code port   1}, any spacing (the add-on's cut depended on three spaces). */
  private static final Pattern OFED_LINE = Pattern.compile("\\s*(device|port)\\s+(\\d{1,3})\\s*");
  private static final Pattern EXPORT =
      Pattern.compile("\\s*(?:export\\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*?)\\s*");

  /** The add-on's files are a few lines each; anything this large is not one of them. */
  static final long MAX_BYTES = 1 << 20;

  private LegacyFiles() {}

  static List<String> lines(Path file, List<Problem> problems) {
    try {
      String text = InputFiles.read(file, MAX_BYTES, "add-on file");
      List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
      if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
        lines.remove(lines.size() - 1); // the final newline ends the last line; it is not a line
      }
      return lines;
    } catch (IOException e) {
      problems.add(new Problem(file.toString(), 0, 0, "cannot read: " + IoErrors.reason(e)));
      return List.of();
    } catch (InputFiles.Refused e) {
      problems.add(new Problem(file.toString(), 0, 0, e.reason()));
      return List.of();
    }
  }

  /** A {@code vf_maps/<pf>} file: one VF a line; the line index is the VF index. */
  static List<PciAddress> vfMap(Path file, List<Problem> problems) {
    List<PciAddress> out = new ArrayList<>();
    List<String> lines = lines(file, problems);
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).replace("\r", "");
      Matcher m = MAP_LINE.matcher(line);
      if (!m.matches()) {
        problems.add(new Problem(file.toString(), i + 1, 1, "'" + line
            + "' is not a VF map line (expected bus slot function in hex, e.g. 0x07 0x00 0x01)"));
        continue;
      }
      try {
        out.add(new PciAddress(0, Integer.parseInt(m.group(1), 16), Integer.parseInt(m.group(2), 16),
            Integer.parseInt(m.group(3), 16)));
      } catch (IllegalArgumentException e) {
        problems.add(new Problem(file.toString(), i + 1, 1, e.getMessage()));
      }
    }
    if (lines.isEmpty()) {
      problems.add(new Problem(file.toString(), 1, 1, "VF map is empty"));
    }
    return out;
  }

  /** A {@code vf_maps/<pf>_ofed} file. */
  static Optional<OfedPort> ofed(Path file, List<Problem> problems) {
    Integer device = null;
    Integer port = null;
    List<String> lines = lines(file, problems);
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).replace("\r", "");
      if (line.isBlank()) {
        continue;
      }
      Matcher m = OFED_LINE.matcher(line);
      if (!m.matches()) {
        problems.add(new Problem(file.toString(), i + 1, 1,
            "'" + line + "' is not an OFED line (expected 'device N' or 'port N')"));
      } else if (m.group(1).equals("device")) {
        device = Integer.valueOf(m.group(2));
      } else {
        port = Integer.valueOf(m.group(2));
      }
    }
    if (device == null || port == null) {
      problems.add(new Problem(file.toString(), 1, 1, "needs both a 'device N' and a 'port N' line"));
      return Optional.empty();
    }
    try {
      return Optional.of(OfedPort.fromLegacyNumber(device, port));
    } catch (IllegalArgumentException e) {
      problems.add(new Problem(file.toString(), 1, 1, e.getMessage()));
      return Optional.empty();
    }
  }

  /** {@code kvmrc}: shell {@code export KEY=VALUE} lines, comments and blank lines. */
  static Map<String, String> kvmrc(Path file, List<Problem> problems) {
    Map<String, String> out = new LinkedHashMap<>();
    List<String> lines = lines(file, problems);
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).replace("\r", "");
      if (line.isBlank() || line.trim().startsWith("#")) {
        continue;
      }
      Matcher m = EXPORT.matcher(line);
      if (!m.matches()) {
        problems.add(new Problem(file.toString(), i + 1, 1,
            "'" + line + "' is not a KEY=VALUE assignment"));
        continue;
      }
      out.put(m.group(1), unquote(m.group(2)));
    }
    return out;
  }

  private static String unquote(String v) {
    if (v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\"") || v.startsWith("'") && v.endsWith("'"))) {
      return v.substring(1, v.length() - 1);
    }
    return v;
  }

  /**
   * A lock file {@code <lock-dir>/<pf>/<index>}: empty (generic) or the dummy MAC (mlnx_ofed2).
   *
   * @return the MAC when the file holds one
   */
  static Optional<MacAddress> lockMac(Path file, List<Problem> problems) {
    List<String> lines = lines(file, problems);
    String text = String.join("", lines).trim();
    if (text.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(MacAddress.parse(text));
    } catch (IllegalArgumentException e) {
      problems.add(new Problem(file.toString(), 1, 1, "lock file holds '" + text
          + "', not a MAC address"));
      return Optional.empty();
    }
  }
}
