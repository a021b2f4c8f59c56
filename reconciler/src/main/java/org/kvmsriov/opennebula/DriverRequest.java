package org.kvmsriov.opennebula;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.kvmsriov.config.InvalidInputException;
import org.kvmsriov.model.MacAddress;

/**
 * One OpenNebula VMM action, parsed from the argv OpenNebula's exec driver passes (protocol
 * reference §2.2). Every VMM script gets {@code <VMID> <HOST>} appended; values it single-quotes
 * arrive as plain arguments, a missing one as {@code ''}.
 *
 * <pre>
 * DriverRequest = Deploy(file, host, vmId) | Shutdown(deployId, vmId) | Cancel(deployId, vmId)
 *               | Save(deployId, checkpoint, vmId) | Restore(checkpoint, deployId, vmId)
 *               | Migrate(deployId, destHost, srcHost, vmId) | AttachNic(deployId, mac, bridge, vmId)
 *               | DetachNic(deployId, mac, vmId) | Poll(deployId, vmId) | Passthrough(action, args)
 * </pre>
 */
public sealed interface DriverRequest {

  /** VMM actions whose SR-IOV handling is ours; the rest pass through to stock behaviour. */
  List<String> OURS = List.of("deploy", "shutdown", "cancel", "save", "restore", "migrate",
      "attach_nic", "detach_nic", "poll");

  /** Actions OpenNebula's kvm driver has where SR-IOV plays no part. */
  List<String> STOCK = List.of("reboot", "reset", "attach_disk", "detach_disk", "snapshot_create",
      "snapshot_revert", "snapshot_delete", "resize_disk", "resize", "prereconfigure", "reconfigure",
      "migrate_local", "update_sg", "update_conf");

  int vmId();

  record Deploy(Path file, String host, int vmId) implements DriverRequest {}

  record Shutdown(String deployId, int vmId) implements DriverRequest {}

  record Cancel(String deployId, int vmId) implements DriverRequest {}

  record Save(String deployId, Path checkpoint, int vmId) implements DriverRequest {}

  record Restore(Path checkpoint, String deployId, int vmId) implements DriverRequest {}

  record Migrate(String deployId, String destHost, String srcHost, int vmId) implements DriverRequest {}

  record AttachNic(String deployId, MacAddress mac, String bridge, int vmId) implements DriverRequest {}

  record DetachNic(String deployId, MacAddress mac, int vmId) implements DriverRequest {}

  record Poll(String deployId, int vmId) implements DriverRequest {}

  /**
   * One NIC of a VM migrating in: its PF, position and identity MAC, the partition key it was
   * mapped to and the segment (VLAN or partition) it asked for, when known.
   */
  record IncomingNic(org.kvmsriov.model.PfName pf, int position, MacAddress mac,
      java.util.Optional<org.kvmsriov.model.Pkey> pkey, java.util.Optional<org.kvmsriov.model.Segment> segment) {

    /**
     * {@code <pf>/<position>/<mac>[/<pkey>|-[/<segment>]]}, the argv form migrate passes to the
     * destination; the segment as {@code vlan=42}, {@code partition=20000}, {@code untagged} or
     * {@code blocked}. The three- and four-field forms of earlier versions are still read.
     */
    public String token() {
      String t = pf + "/" + position + "/" + mac;
      // the segment only when the key does not already say it (the forms earlier versions read)
      if (segment.isPresent() && !segment.get().equals(org.kvmsriov.model.Segment.recorded(pkey))) {
        return t + "/" + pkey.map(Object::toString).orElse("-") + "/" + segment.get().text().replace(' ', '=');
      }
      return t + pkey.map(k -> "/" + k).orElse("");
    }
  }

  /** Destination side of a migration (kvm-sriov's own, not OpenNebula's): lease VFs for the NICs. */
  record MigrateInReserve(int vmId, List<IncomingNic> nics) implements DriverRequest {
    public MigrateInReserve {
      nics = List.copyOf(nics);
    }
  }

  /** Destination side: attach the reserved VFs to the arrived domain. */
  record MigrateInAttach(int vmId) implements DriverRequest {}

  /** Destination side: give the reserved VFs back (the migration failed). */
  record MigrateInAbort(int vmId) implements DriverRequest {}

  /** A stock action: the deploy id is its first argument. */
  record Passthrough(String action, List<String> args, int vmId) implements DriverRequest {
    public Passthrough {
      args = List.copyOf(args);
    }

    public Optional<String> deployId() {
      return args.isEmpty() ? Optional.empty() : Optional.of(args.get(0));
    }
  }

  /**
   * Parses {@code action} and its argv.
   *
   * @throws InvalidInputException with a message naming the action and the bad argument
   */
  static DriverRequest parse(String action, List<String> argv) {
    Args a = new Args(action, argv);
    return switch (action) {
      case "deploy" -> new Deploy(a.path(0, "deployment file"), a.text(1, "host"), a.vmId(2));
      case "shutdown" -> new Shutdown(a.deployId(0), a.vmId(2));
      case "cancel" -> new Cancel(a.deployId(0), a.vmId(2));
      case "save" -> new Save(a.deployId(0), a.path(1, "checkpoint file"), a.vmId(3));
      case "restore" -> new Restore(a.path(0, "checkpoint file"), a.deployId(2), a.vmId(3));
      case "migrate" -> new Migrate(a.deployId(0), a.host(1, "destination host"),
          a.host(2, "source host"), a.vmId(3));
      case "attach_nic" -> new AttachNic(a.deployId(0), a.mac(1), a.text(2, "bridge"), a.vmId(6));
      case "detach_nic" -> new DetachNic(a.deployId(0), a.mac(1), a.vmId(2));
      case "poll" -> new Poll(a.deployId(0), a.vmId(2));
      case "migrate_in_reserve" -> {
        List<IncomingNic> nics = new java.util.ArrayList<>();
        for (int i = 1; i < argv.size(); i++) {
          nics.add(a.incoming(i));
        }
        yield new MigrateInReserve(a.vmId(0), nics);
      }
      case "migrate_in_attach" -> new MigrateInAttach(a.vmId(0));
      case "migrate_in_abort" -> new MigrateInAbort(a.vmId(0));
      default -> {
        if (!STOCK.contains(action)) {
          throw new InvalidInputException("unknown driver action '" + action + "'; known: "
              + String.join(" ", OURS) + " " + String.join(" ", STOCK));
        }
        // Stock actions end with <VMID> <HOST>; the VM id is the second-to-last argument.
        yield new Passthrough(action, argv, a.vmId(argv.size() - 2));
      }
    };
  }

  /** Argument access with messages that name the action and the argument. */
  final class Args {
    private final String action;
    private final List<String> argv;

    Args(String action, List<String> argv) {
      this.action = action;
      this.argv = List.copyOf(argv);
    }

    String text(int i, String what) {
      if (i < 0 || i >= argv.size() || argv.get(i).isEmpty()) {
        throw new InvalidInputException(action + ": missing " + what + " (argument " + (i + 1) + ")");
      }
      String v = argv.get(i);
      if (v.length() > 4096 || v.chars().anyMatch(c -> c < 0x20)) {
        throw new InvalidInputException(action + ": " + what + " holds control characters or is too long");
      }
      return v;
    }

    int vmId(int i) {
      String v = text(i, "VM id");
      if (!v.matches("\\d{1,9}")) {
        throw new InvalidInputException(action + ": VM id '" + v + "' is not a number");
      }
      return Integer.parseInt(v);
    }

    /** A deploy id: {@code one-<id>} or a libvirt UUID (OpenNebula 5.12.6+ stores UUIDs). */
    String deployId(int i) {
      String v = text(i, "deploy id");
      if (!v.matches("one-\\d{1,9}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")) {
        throw new InvalidInputException(action + ": deploy id '" + v + "' is neither one-<id> nor a UUID");
      }
      return v;
    }

    String host(int i, String what) {
      String v = text(i, what);
      if (!v.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,252}")) {
        throw new InvalidInputException(action + ": " + what + " '" + v + "' is not a host name");
      }
      return v;
    }

    Path path(int i, String what) {
      String v = text(i, what);
      Path p = Path.of(v);
      if (!p.isAbsolute() || p.normalize().toString().length() != stripSlashes(v).length()) {
        throw new InvalidInputException(action + ": " + what + " '" + v + "' must be an absolute path"
            + " without '.' or '..' parts");
      }
      return p;
    }

    IncomingNic incoming(int i) {
      String v = text(i, "incoming NIC");
      String[] f = v.split("/", -1);
      try {
        if (f.length < 3 || f.length > 5 || !f[1].matches("\\d{1,3}")) {
          throw new IllegalArgumentException("expected <pf>/<position>/<mac>[/<pkey>]"
              + " or <pf>/<position>/<mac>/<pkey>|-/<segment>");
        }
        return new IncomingNic(new org.kvmsriov.model.PfName(f[0]), Integer.parseInt(f[1]), MacAddress.parse(f[2]),
            f.length >= 4 && !f[3].equals("-") ? java.util.Optional.of(org.kvmsriov.model.Pkey.parse(f[3]))
                : java.util.Optional.empty(),
            f.length == 5 ? java.util.Optional.of(org.kvmsriov.model.Segment.parse(f[4].replace('=', ' ')))
                : java.util.Optional.empty());
      } catch (IllegalArgumentException e) {
        throw new InvalidInputException(action + ": incoming NIC '" + v + "': " + e.getMessage());
      }
    }

    MacAddress mac(int i) {
      String v = text(i, "MAC");
      try {
        return MacAddress.parse(v);
      } catch (IllegalArgumentException e) {
        throw new InvalidInputException(action + ": " + e.getMessage());
      }
    }

    /** OpenNebula writes {@code /var/lib/one//datastores}: double slashes are not tricks. */
    private static String stripSlashes(String v) {
      String s = v.replaceAll("/{2,}", "/");
      return s.length() > 1 && s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
  }
}
