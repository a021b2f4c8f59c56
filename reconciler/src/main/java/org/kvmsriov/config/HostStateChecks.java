package org.kvmsriov.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.kvmsriov.model.MacPrefix;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.PfName;
import tools.jackson.databind.JsonNode;

/**
 * Checks the schema cannot express: VFs named twice, PF names that could escape a directory,
 * mode-dependent keys, pkey values. Works on any tree, valid against the schema or not, so all
 * problems are reported in one run.
 */
final class HostStateChecks {

  private final String file;
  private final SourceMap map;
  private final List<Problem> problems = new ArrayList<>();

  HostStateChecks(String file, SourceMap map) {
    this.file = file;
    this.map = map;
  }

  List<Problem> check(JsonNode root) {
    JsonNode driver = root.path("driver");
    JsonNode prefix = driver.path("mac_prefix");
    if (!prefix.isMissingNode()) {
      String why = MacPrefix.problem(prefix.isString() ? prefix.asString() : prefix.toString());
      if (why != null) {
        at("/driver/mac_prefix", why + (prefix.isString() ? "" : " (write it quoted, e.g. \"10\")"));
      }
    }
    JsonNode bridge = driver.path("dummy_bridge");
    if (bridge.isString() && PfName.problem(bridge.asString()) != null) {
      at("/driver/dummy_bridge", "dummy_bridge: "
          + PfName.problem(bridge.asString()).replace("PF name", "bridge name"));
    }
    JsonNode pfs = root.path("pfs");
    if (pfs.isObject()) {
      checkPfs(pfs);
    }
    return problems;
  }

  private void checkPfs(JsonNode pfs) {
    Map<PciAddress, String> seen = new HashMap<>();
    for (Map.Entry<String, JsonNode> e : pfs.properties()) {
      String name = e.getKey();
      String ptr = "/pfs/" + SourceMap.escape(name);
      String nameProblem = PfName.problem(name);
      if (nameProblem != null) {
        atKey(ptr, nameProblem);
      }
      JsonNode pf = e.getValue();
      if (!pf.isObject()) {
        continue;
      }
      String mode = pf.path("mode").isString() ? pf.path("mode").asString() : "";
      checkVfSource(name, ptr, pf, seen);
      if (mode.equals("mlnx_ofed2") && !pf.has("ofed")) {
        atKey(ptr, "PF '" + name + "' is in mlnx_ofed2 mode but has no ofed settings"
            + " (add ofed: {device: mlx4_0, port: 1})");
      }
      if (!mode.isEmpty() && !mode.equals("mlnx_ofed2")) {
        if (pf.has("ofed")) {
          atKey(ptr + "/ofed", "ofed applies only to mlnx_ofed2 mode, and PF '" + name + "' is " + mode);
        }
        if (pf.has("pkeys")) {
          atKey(ptr + "/pkeys", "pkeys apply only to mlnx_ofed2 mode, and PF '" + name + "' is " + mode);
        }
      }
      checkPkeys(ptr + "/pkeys", pf.path("pkeys"));
      JsonNode pfPci = pf.path("pci_address");
      if (pfPci.isString() && !PciAddress.isValid(pfPci.asString())) {
        at(ptr + "/pci_address", badPci(pfPci.asString()));
      }
    }
  }

  private void checkVfSource(String name, String ptr, JsonNode pf, Map<PciAddress, String> seen) {
    boolean discover = pf.path("discover").asBoolean(false);
    JsonNode vfs = pf.path("vfs");
    if (discover && !vfs.isMissingNode()) {
      atKey(ptr + "/discover", "PF '" + name + "' has both vfs and discover: true; choose one");
    } else if (!discover && vfs.isMissingNode()) {
      atKey(ptr, "PF '" + name + "' has no VF map: list its vfs or set discover: true");
    }
    if (!vfs.isArray()) {
      return;
    }
    for (int i = 0; i < vfs.size(); i++) {
      JsonNode vf = vfs.get(i);
      if (!vf.isString() || !PciAddress.isValid(vf.asString())) {
        String text = vf.isString() ? vf.asString() : vf.toString();
        at(ptr + "/vfs/" + i, badPci(text));
        continue;
      }
      PciAddress addr = PciAddress.parse(vf.asString());
      String other = seen.putIfAbsent(addr, name);
      if (other != null) {
        at(ptr + "/vfs/" + i, other.equals(name)
            ? "VF " + addr + " is listed twice in PF '" + name + "'"
            : "VF " + addr + " is already listed in PF '" + other + "'; a VF belongs to one PF");
      }
    }
  }

  private static String badPci(String text) {
    try {
      PciAddress.parse(text);
      return "'" + text + "' is not a PCI address";
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
  }

  private void checkPkeys(String ptr, JsonNode pkeys) {
    if (!pkeys.isArray()) {
      return;
    }
    for (int i = 0; i < pkeys.size(); i++) {
      JsonNode k = pkeys.get(i);
      long value;
      if (k.isIntegralNumber()) {
        value = k.asLong();
      } else if (k.isString() && k.asString().matches("0[xX][0-9a-fA-F]{1,15}")) {
        value = Long.parseLong(k.asString().substring(2), 16);
      } else {
        at(ptr + "/" + i, "'" + (k.isString() ? k.asString() : k.toString())
            + "' is not a pkey (write it as hex, e.g. 0x8001, or as a number)");
        continue;
      }
      if (value < 1 || value > 0xffff) {
        at(ptr + "/" + i, String.format("pkey 0x%04x is outside 0x0001-0xffff", value));
      }
    }
  }

  private void at(String pointer, String message) {
    SourceMap.Position p = map.value(pointer);
    problems.add(new Problem(file, p.line(), p.column(), message));
  }

  private void atKey(String pointer, String message) {
    SourceMap.Position p = map.key(pointer);
    problems.add(new Problem(file, p.line(), p.column(), message));
  }
}
