package org.kvmsriov.config;

import java.math.BigInteger;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.kvmsriov.model.Guid;
import org.kvmsriov.model.GuidPool;
import org.kvmsriov.model.MacPrefix;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.PfName;
import org.kvmsriov.model.SubnetManagerSpec;
import tools.jackson.databind.JsonNode;

/**
 * Checks the schema cannot express: VFs named twice, PF names that could escape a directory,
 * mode-dependent keys, pkey values, subnet managers PFs name but nobody defined, GUID pools that
 * overlap. Works on any tree, valid against the schema or not, so all
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
    JsonNode sms = root.path("subnet_managers");
    if (sms.isObject()) {
      checkSubnetManagers(sms);
    }
    JsonNode pfs = root.path("pfs");
    if (pfs.isObject()) {
      checkPfs(pfs, sms.isObject() ? List.copyOf(sms.propertyNames()) : List.of());
    }
    return problems;
  }

  private static final Map<String, Set<String>> SM_KEYS = Map.of(
      "opensm", Set.of("type", "partitions_file", "host", "reload", "pid_file"),
      "ufm", Set.of("type", "url", "credentials_file", "verify_tls"));

  private void checkSubnetManagers(JsonNode sms) {
    for (Map.Entry<String, JsonNode> e : sms.properties()) {
      String name = e.getKey();
      String ptr = "/subnet_managers/" + SourceMap.escape(name);
      atKeyIf(ptr, SubnetManagerSpec.nameProblem(name));
      JsonNode sm = e.getValue();
      String type = sm.path("type").isString() ? sm.path("type").asString() : "";
      Set<String> allowed = SM_KEYS.get(type);
      if (!sm.isObject() || allowed == null) {
        continue; // the schema reports a missing or unknown type
      }
      for (String key : sm.propertyNames()) {
        boolean known = SM_KEYS.values().stream().anyMatch(s -> s.contains(key));
        if (known && !allowed.contains(key)) {
          atKey(ptr + "/" + key, key + " applies only to " + (type.equals("ufm") ? "opensm" : "ufm")
              + " subnet managers, and '" + name + "' is " + type);
        }
      }
      for (String key : List.of("partitions_file", "pid_file", "credentials_file")) {
        JsonNode path = sm.path(key);
        if (path.isString() && allowed.contains(key)) {
          String why = pathProblem(path.asString());
          if (why != null) {
            at(ptr + "/" + key, key + " '" + path.asString() + "' " + why);
          }
        }
      }
      JsonNode host = sm.path("host");
      if (host.isString() && !SubnetManagerSpec.SSH_HOST.matcher(host.asString()).matches()) {
        at(ptr + "/host", "host '" + host.asString() + "' is not a host name (or user@host) ssh can reach");
      }
      JsonNode url = sm.path("url");
      if (url.isString() && !isHttpUrl(url.asString())) {
        at(ptr + "/url", "url '" + url.asString() + "' is not an http:// or https:// URL with a host");
      }
    }
  }

  private static String pathProblem(String path) {
    if (!path.startsWith("/")) {
      return "is not an absolute path";
    }
    if (path.chars().anyMatch(Character::isISOControl)) {
      return "contains a control character";
    }
    return null;
  }

  private static boolean isHttpUrl(String text) {
    try {
      URI u = new URI(text);
      return ("http".equals(u.getScheme()) || "https".equals(u.getScheme())) && u.getHost() != null;
    } catch (URISyntaxException e) {
      return false;
    }
  }

  private void checkPfs(JsonNode pfs, List<String> subnetManagers) {
    Map<PciAddress, String> seen = new HashMap<>();
    Map<String, GuidPool> pools = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : pfs.properties()) {
      String name = e.getKey();
      String ptr = "/pfs/" + SourceMap.escape(name);
      atKeyIf(ptr, PfName.problem(name));
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
        for (String key : List.of("pkeys", "subnet_manager", "guid_pool")) {
          if (pf.has(key)) {
            atKey(ptr + "/" + key, key + (key.endsWith("s") ? " apply" : " applies")
                + " only to mlnx_ofed2 mode, and PF '" + name + "' is " + mode);
          }
        }
      }
      JsonNode sm = pf.path("subnet_manager");
      if (sm.isString() && !subnetManagers.contains(sm.asString())) {
        at(ptr + "/subnet_manager", "PF '" + name + "' names subnet manager '" + sm.asString()
            + "', which subnet_managers does not define"
            + (subnetManagers.isEmpty() ? "" : " (defined: " + String.join(", ", subnetManagers) + ")"));
      }
      if (pf.has("guid_pool")) {
        GuidPool pool = guidPool(ptr + "/guid_pool", pf.path("guid_pool"));
        if (pool != null) {
          pools.forEach((other, theirs) -> {
            Guid common = pool.commonWith(theirs);
            if (common != null) {
              atKey(ptr + "/guid_pool", "the GUID pool of PF '" + name + "' overlaps the one of PF '"
                  + other + "' (both hold " + common.toHex() + "); a GUID belongs to one PF");
            }
          });
          pools.put(name, pool);
        }
      }
      checkPkeys(ptr + "/pkeys", pf.path("pkeys"));
      JsonNode pfPci = pf.path("pci_address");
      if (pfPci.isString() && !PciAddress.isValid(pfPci.asString())) {
        at(ptr + "/pci_address", badPci(pfPci.asString()));
      }
    }
  }

  /** The pool {@code node} declares, or null after reporting why it declares none. */
  private GuidPool guidPool(String ptr, JsonNode node) {
    int before = problems.size();
    if (node.isArray() && !node.isEmpty()) {
      List<Guid> guids = new ArrayList<>();
      for (int i = 0; i < node.size(); i++) {
        Guid g = guid(ptr + "/" + i, node.get(i));
        if (g != null && guids.contains(g)) {
          at(ptr + "/" + i, "GUID " + g.toHex() + " is listed twice in the pool");
        }
        guids.add(g);
      }
      return problems.size() == before ? new GuidPool.Listed(guids) : null;
    }
    if (node.isObject()) {
      for (String key : node.propertyNames()) {
        if (!key.equals("first") && !key.equals("last")) {
          atKey(ptr + "/" + SourceMap.escape(key), "unknown key '" + key + "' in a GUID range (first and last only)");
        }
      }
      if (!node.has("first") || !node.has("last")) {
        atKey(ptr, "a GUID range needs both first and last");
        return null;
      }
      Guid first = guid(ptr + "/first", node.path("first"));
      Guid last = guid(ptr + "/last", node.path("last"));
      if (first != null && last != null && Long.compareUnsigned(first.value(), last.value()) > 0) {
        at(ptr + "/last", "the GUID range ends (" + last.toHex() + ") before it starts (" + first.toHex() + ")");
      }
      return problems.size() == before ? new GuidPool.Range(first, last) : null;
    }
    at(ptr, "guid_pool must be a list of GUIDs or a range {first: GUID, last: GUID}");
    return null;
  }

  private static final BigInteger MAX_GUID = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

  private Guid guid(String ptr, JsonNode node) {
    Guid g = null;
    if (node.isIntegralNumber() && node.bigIntegerValue().signum() >= 0
        && node.bigIntegerValue().compareTo(MAX_GUID) <= 0) {
      g = new Guid(node.bigIntegerValue().longValue());
    } else if (node.isString()) {
      try {
        g = Guid.parse(node.asString());
      } catch (IllegalArgumentException e) {
        g = null;
      }
    }
    if (g == null) {
      at(ptr, "'" + (node.isString() ? node.asString() : node.toString())
          + "' is not a GUID (write e.g. 0x0002c90300a1b2c3 or 00:02:c9:03:00:a1:b2:c3)");
    } else if (g.isUnset()) {
      at(ptr, "GUID " + g.toHex() + " means 'unset' to the HCA and the subnet manager; it cannot be handed out");
      g = null;
    }
    return g;
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

  /** Reports {@code message} at the key when there is one. */
  private void atKeyIf(String pointer, String message) {
    if (message != null) {
      atKey(pointer, message);
    }
  }

  private void atKey(String pointer, String message) {
    SourceMap.Position p = map.key(pointer);
    problems.add(new Problem(file, p.line(), p.column(), message));
  }
}
