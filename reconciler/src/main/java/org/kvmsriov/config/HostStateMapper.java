package org.kvmsriov.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.kvmsriov.model.Guid;
import org.kvmsriov.model.GuidPool;
import org.kvmsriov.model.HostState;
import org.kvmsriov.model.MacPrefix;
import org.kvmsriov.model.Mode;
import org.kvmsriov.model.OfedPort;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.PfName;
import org.kvmsriov.model.PfSpec;
import org.kvmsriov.model.Pkey;
import org.kvmsriov.model.SubnetManagerSpec;
import org.kvmsriov.model.VfReset;
import org.kvmsriov.model.VfSource;
import tools.jackson.databind.JsonNode;

/** Turns a tree that passed every check into records. Defaults live here and in the schema. */
final class HostStateMapper {

  static final String DEFAULT_DUMMY_BRIDGE = "sriov_dummy";
  static final int DEFAULT_INTERVAL = 60;
  static final int DEFAULT_GRACE = 300;

  private HostStateMapper() {}

  static HostState toHostState(JsonNode root) {
    JsonNode d = root.path("driver");
    JsonNode hpc = d.path("hpc");
    HostState.DriverSettings driver = new HostState.DriverSettings(
        d.path("dummy_bridge").asString(DEFAULT_DUMMY_BRIDGE),
        d.path("dummy_bridge_type").asString("linux").equals("openvswitch"),
        d.has("mac_prefix") ? MacPrefix.parse(d.path("mac_prefix").asString()) : MacPrefix.DEFAULT,
        new HostState.Hpc(hpc.path("enabled").asBoolean(false),
            hpc.path("cpu_passthrough_threshold").asInt(1)));
    JsonNode r = root.path("reconcile");
    HostState.ReconcileSettings reconcile = new HostState.ReconcileSettings(
        Duration.ofSeconds(r.path("interval_seconds").asInt(DEFAULT_INTERVAL)),
        Duration.ofSeconds(r.path("stale_lease_grace_seconds").asInt(DEFAULT_GRACE)));
    List<PfSpec> pfs = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : root.path("pfs").properties()) {
      pfs.add(pf(new PfName(e.getKey()), e.getValue()));
    }
    Optional<String> uri = root.has("libvirt_uri")
        ? Optional.of(root.path("libvirt_uri").asString()) : Optional.empty();
    List<SubnetManagerSpec> sms = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : root.path("subnet_managers").properties()) {
      sms.add(subnetManager(e.getKey(), e.getValue()));
    }
    return new HostState(uri, driver, reconcile, pfs, sms);
  }

  private static SubnetManagerSpec subnetManager(String name, JsonNode n) {
    return switch (n.path("type").asString()) {
      case "opensm" -> new SubnetManagerSpec.OpenSm(name, Path.of(n.path("partitions_file").asString()),
          optional(n, "host"),
          n.path("reload").asString("hup").equals("none") ? SubnetManagerSpec.Reload.NONE : SubnetManagerSpec.Reload.HUP,
          optional(n, "pid_file").map(Path::of));
      case "ufm" -> new SubnetManagerSpec.Ufm(name, URI.create(n.path("url").asString()),
          Path.of(n.path("credentials_file").asString()), n.path("verify_tls").asBoolean(true));
      default -> throw new IllegalStateException("type passed validation: " + n.path("type"));
    };
  }

  private static Optional<String> optional(JsonNode n, String key) {
    return n.has(key) ? Optional.of(n.path(key).asString()) : Optional.empty();
  }

  private static GuidPool guidPool(JsonNode n) {
    if (n.isArray()) {
      List<Guid> guids = new ArrayList<>();
      n.forEach(g -> guids.add(Guid.parse(g.asString())));
      return new GuidPool.Listed(guids);
    }
    return new GuidPool.Range(Guid.parse(n.path("first").asString()), Guid.parse(n.path("last").asString()));
  }

  private static PfSpec pf(PfName name, JsonNode n) {
    Mode mode = switch (n.path("mode").asString()) {
      case "generic" -> new Mode.Generic();
      case "ethernet" -> new Mode.Ethernet();
      case "mlnx_ofed2" -> new Mode.MlnxOfed2(ofed(n.path("ofed")));
      default -> throw new IllegalStateException("mode passed validation: " + n.path("mode"));
    };
    VfSource vfs;
    if (n.path("discover").asBoolean(false)) {
      vfs = new VfSource.Discover();
    } else {
      List<PciAddress> list = new ArrayList<>();
      n.path("vfs").forEach(v -> list.add(PciAddress.parse(v.asString())));
      vfs = new VfSource.Listed(list);
    }
    List<Pkey> pkeys = new ArrayList<>();
    n.path("pkeys").forEach(k -> pkeys.add(k.isString() ? Pkey.parse(k.asString()) : new Pkey(k.asInt())));
    Optional<PciAddress> pci = n.has("pci_address")
        ? Optional.of(PciAddress.parse(n.path("pci_address").asString())) : Optional.empty();
    VfReset reset = n.path("reset").asString("none").equals("flr") ? VfReset.FLR : VfReset.NONE;
    return new PfSpec(name, pci, mode, vfs, pkeys, optional(n, "subnet_manager"),
        n.has("guid_pool") ? Optional.of(guidPool(n.path("guid_pool"))) : Optional.empty(), reset);
  }

  private static OfedPort ofed(JsonNode o) {
    int port = o.path("port").asInt();
    JsonNode dev = o.path("device");
    if (dev.isMissingNode()) {
      return new OfedPort(Optional.empty(), port);
    }
    return dev.isIntegralNumber()
        ? OfedPort.fromLegacyNumber(dev.asInt(), port)
        : new OfedPort(Optional.of(dev.asString()), port);
  }
}
