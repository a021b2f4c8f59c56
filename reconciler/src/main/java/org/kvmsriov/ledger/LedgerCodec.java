package org.kvmsriov.ledger;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.kvmsriov.config.InvalidInputException;
import org.kvmsriov.config.ParserMessages;
import org.kvmsriov.model.Guid;
import org.kvmsriov.model.MacAddress;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.PfName;
import org.kvmsriov.model.Pkey;
import org.kvmsriov.model.Segment;
import org.kvmsriov.port.HistoryEntry;
import org.kvmsriov.port.Lease;
import org.kvmsriov.port.LeaseKey;
import org.kvmsriov.port.LeaseOwner;
import org.kvmsriov.port.LeaseState;
import org.kvmsriov.port.LedgerState;
import org.kvmsriov.port.ParkedNic;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The ledger's stored form, {@code leases.json}, version {@value #VERSION}:
 *
 * <pre>
 * { "version": 1,
 *   "leases":  [ { "pf", "vf", "vf_index", "domain"?, "vm_id"?, "mac"?, "guid"?, "original_guid"?,
 *                  "pkey"?, "segment"?, "alias"?, "state", "owner": {"kind": "process", "pid", "start_time"?, "boot_id"}
 *                                           | {"kind": "imported", "source"},
 *                  "created_at", "updated_at", "unheld_since"? } ],
 *   "parked":  [ { "domain", "position", "pf", "mac", "pkey"?, "segment"?, "parked_at" } ],
 *   "history": [ { "at", "action", "pf", "vf", "domain", "reason" } ] }
 * </pre>
 *
 * {@code ?} marks a field that may be null or absent. {@code segment} is {@code untagged},
 * {@code vlan N}, {@code partition N} or {@code blocked}; it and {@code alias} are written only
 * when known, and {@code unheld_since} (when a pass first saw the lease without its domain: its
 * grace period starts then) only while it is set, so a ledger of an older kvm-sriov is rewritten unchanged. Reading is strict: unknown or duplicate
 * keys, wrong types and invalid values are refused with the JSON path of the offending field,
 * since the file can be edited (or damaged) outside kvm-sriov.
 */
public final class LedgerCodec {

  /** The only format version this build reads and writes. */
  public static final int VERSION = 1;

  private static final JsonMapper MAPPER = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .enable(SerializationFeature.INDENT_OUTPUT)
      .build();

  private LedgerCodec() {}

  /** The file's bytes for {@code state}. */
  public static byte[] encode(LedgerState state) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("version", VERSION);
    ArrayNode leases = root.putArray("leases");
    state.leases().values().forEach(l -> writeLease(leases.addObject(), l));
    ArrayNode parked = root.putArray("parked");
    state.parked().forEach(p -> writeParked(parked.addObject(), p));
    ArrayNode history = root.putArray("history");
    for (HistoryEntry h : state.history()) {
      ObjectNode o = history.addObject();
      o.put("at", h.at().toString());
      o.put("action", h.action());
      o.put("pf", h.lease().pf().value());
      o.put("vf", h.lease().vf().toString());
      o.put("domain", h.domain());
      o.put("reason", h.reason());
    }
    return MAPPER.writeValueAsBytes(root);
  }

  /** One lease as JSON (the ledger's form; also what {@code leases list --json} prints). */
  public static void writeLease(ObjectNode o, Lease l) {
    o.put("pf", l.pf().value());
    o.put("vf", l.vf().toString());
    o.put("vf_index", l.vfIndex());
    o.put("domain", l.domain().orElse(null));
    if (l.vmId().isPresent()) {
      o.put("vm_id", l.vmId().getAsInt());
    } else {
      o.putNull("vm_id");
    }
    o.put("mac", l.mac().map(MacAddress::toString).orElse(null));
    o.put("guid", l.guid().map(Guid::toColons).orElse(null));
    o.put("original_guid", l.originalGuid().map(Guid::toColons).orElse(null));
    o.put("pkey", l.pkey().map(Pkey::toString).orElse(null));
    l.segment().ifPresent(seg -> o.put("segment", seg.text()));
    l.alias().ifPresent(a -> o.put("alias", a));
    o.put("state", l.state().jsonName());
    ObjectNode owner = o.putObject("owner");
    l.owner().accept(new LeaseOwner.Visitor<Void>() {
      @Override
      public Void process(LeaseOwner.Process p) {
        owner.put("kind", "process");
        owner.put("pid", p.pid());
        owner.put("start_time", p.startTime().map(Instant::toString).orElse(null));
        owner.put("boot_id", p.bootId());
        return null;
      }

      @Override
      public Void imported(LeaseOwner.Imported i) {
        owner.put("kind", "imported");
        owner.put("source", i.source());
        return null;
      }
    });
    o.put("created_at", l.createdAt().toString());
    o.put("updated_at", l.updatedAt().toString());
    l.unheldSince().ifPresent(t -> o.put("unheld_since", t.toString()));
  }

  /** One parked NIC as JSON. */
  public static void writeParked(ObjectNode o, ParkedNic p) {
    o.put("domain", p.domain());
    o.put("position", p.position());
    o.put("pf", p.pf().value());
    o.put("mac", p.mac().toString());
    o.put("pkey", p.pkey().map(Pkey::toString).orElse(null));
    p.segment().ifPresent(seg -> o.put("segment", seg.text()));
    o.put("parked_at", p.parkedAt().toString());
  }

  /**
   * Parses and validates a ledger file's bytes.
   *
   * @param file the file's name, for messages
   * @throws InvalidInputException naming the file, the field and what is wrong with it
   */
  public static LedgerState decode(String file, byte[] bytes) {
    JsonNode root;
    try {
      root = MAPPER.readTree(bytes);
    } catch (JacksonException e) {
      TokenStreamLocation l = e.getLocation();
      String where = l == null ? "" : " at line " + l.getLineNr() + ", column " + l.getColumnNr();
      throw refused(file, "is not valid JSON" + where + ": " + firstLine(ParserMessages.plain(e.getOriginalMessage())));
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      throw refused(file, "is empty");
    }
    try {
      Obj top = new Obj(root, "");
      top.only(Set.of("version", "leases", "parked", "history"));
      JsonNode version = top.required("version");
      if (!version.isIntegralNumber() || !version.canConvertToInt() || version.intValue() != VERSION) {
        throw new Bad("version", "is " + version + "; this kvm-sriov reads version " + VERSION);
      }
      TreeMap<LeaseKey, Lease> leases = new TreeMap<>();
      for (Obj o : top.objects("leases")) {
        Lease l = readLease(o);
        if (leases.put(l.key(), l) != null) {
          throw new Bad(o.path, "a second lease of " + l.key());
        }
      }
      List<ParkedNic> parked = new ArrayList<>();
      for (Obj o : top.objects("parked")) {
        parked.add(readParked(o));
      }
      List<HistoryEntry> history = new ArrayList<>();
      for (Obj o : top.objects("history")) {
        o.only(Set.of("at", "action", "pf", "vf", "domain", "reason"));
        history.add(o.value("", () -> new HistoryEntry(o.instant("at"), o.string("action"),
            new LeaseKey(o.parse("pf", PfName::new), o.parse("vf", PciAddress::parse)),
            o.string("domain"), o.string("reason"))));
      }
      try {
        return new LedgerState(leases, parked, history);
      } catch (IllegalArgumentException e) {
        throw new Bad("", e.getMessage());
      }
    } catch (Bad b) {
      throw refused(file, (b.path.isEmpty() ? "" : b.path + ": ") + b.getMessage());
    }
  }

  private static Lease readLease(Obj o) {
    o.only(Set.of("pf", "vf", "vf_index", "domain", "vm_id", "mac", "guid", "original_guid", "pkey", "segment",
        "alias", "state", "owner", "created_at", "updated_at", "unheld_since"));
    PfName pf = o.parse("pf", PfName::new);
    PciAddress vf = o.parse("vf", s -> {
      PciAddress a = PciAddress.parse(s);
      if (!a.toString().equals(s)) {
        throw new IllegalArgumentException("'" + s + "' is not in the canonical form " + a);
      }
      return a;
    });
    int index = o.integer("vf_index", 0, Lease.MAX_VF_INDEX);
    Optional<String> domain = o.optional("domain", s -> {
      Lease.checkDomainName(s);
      return s;
    });
    OptionalInt vmId = o.isNull("vm_id") ? OptionalInt.empty() : OptionalInt.of(o.integer("vm_id", 0, Integer.MAX_VALUE));
    Optional<MacAddress> mac = o.optional("mac", MacAddress::parse);
    Optional<Guid> guid = o.optional("guid", LedgerCodec::leasedGuid);
    Optional<Guid> original = o.optional("original_guid", Guid::parse);
    Optional<Pkey> pkey = o.optional("pkey", Pkey::parse);
    Optional<Segment> segment = o.optional("segment", Segment::parse);
    Optional<String> alias = o.optional("alias", a -> a);
    LeaseState state = o.parse("state", LeaseState::fromJson);
    LeaseOwner owner = readOwner(o.object("owner"));
    Instant created = o.instant("created_at");
    Instant updated = o.instant("updated_at");
    Optional<Instant> unheld = o.isNull("unheld_since") ? Optional.empty() : Optional.of(o.instant("unheld_since"));
    return o.value("", () -> new Lease(pf, vf, index, domain, vmId, mac, guid, original, pkey, segment, alias, state,
        owner, created, updated, unheld));
  }

  /** A lease's GUID: never an unset one, which no VF can be given (the original may be unset). */
  private static Guid leasedGuid(String text) {
    Guid g = Guid.parse(text);
    if (g.isUnset()) {
      throw new IllegalArgumentException(g.shown() + " means 'unset' to the HCA and the subnet manager; no lease"
          + " gives it to a VF");
    }
    return g;
  }

  private static LeaseOwner readOwner(Obj o) {
    String kind = o.string("kind");
    switch (kind) {
      case "process" -> {
        o.only(Set.of("kind", "pid", "start_time", "boot_id"));
        long pid = o.integer("pid", 1, Integer.MAX_VALUE);
        Optional<Instant> start = o.optional("start_time", Instant::parse);
        String boot = o.string("boot_id");
        return o.value("", () -> new LeaseOwner.Process(pid, start, boot));
      }
      case "imported" -> {
        o.only(Set.of("kind", "source"));
        String source = o.string("source");
        return o.value("source", () -> new LeaseOwner.Imported(source));
      }
      default -> throw new Bad(o.path + ".kind", "'" + kind + "' is not an owner kind (process, imported)");
    }
  }

  private static ParkedNic readParked(Obj o) {
    o.only(Set.of("domain", "position", "pf", "mac", "pkey", "segment", "parked_at"));
    String domain = o.string("domain");
    int position = o.integer("position", 0, 0xff);
    PfName pf = o.parse("pf", PfName::new);
    MacAddress mac = o.parse("mac", MacAddress::parse);
    Optional<Pkey> pkey = o.optional("pkey", Pkey::parse);
    Optional<Segment> segment = o.optional("segment", Segment::parse);
    Instant at = o.instant("parked_at");
    return o.value("domain", () -> new ParkedNic(domain, position, pf, mac, pkey, segment, at));
  }

  private static InvalidInputException refused(String file, String what) {
    return new InvalidInputException("ledger " + file + " " + (what.startsWith("is ") ? what : "is invalid: " + what)
        + " (the file was left as it is; fix it or move it aside)");
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unreadable";
    }
    int nl = message.indexOf('\n');
    String line = nl < 0 ? message : message.substring(0, nl);
    // Jackson appends where the object started, as an unreadable "[Source: REDACTED …]"
    return line.replaceAll("\\s*\\(start marker at \\[Source:.*$", "").replaceAll("\\s*at \\[Source:.*$", "");
  }

  /** A field is wrong; {@code path} is its JSON path ({@code leases[2].vf}). */
  private static final class Bad extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final String path;

    Bad(String path, String message) {
      super(message, null, false, false);
      this.path = path;
    }
  }

  /** A JSON object being read, with its path for messages. */
  private record Obj(JsonNode node, String path) {
    Obj {
      if (!node.isObject()) {
        throw new Bad(path, "is not a JSON object");
      }
    }

    String at(String key) {
      return path.isEmpty() ? key : path + "." + key;
    }

    void only(Set<String> keys) {
      for (String k : node.propertyNames()) {
        if (!keys.contains(k)) {
          throw new Bad(at(k), "unknown field");
        }
      }
    }

    JsonNode required(String key) {
      JsonNode v = node.get(key);
      if (v == null || v.isNull()) {
        throw new Bad(at(key), "missing");
      }
      return v;
    }

    boolean isNull(String key) {
      JsonNode v = node.get(key);
      return v == null || v.isNull();
    }

    String string(String key) {
      JsonNode v = required(key);
      if (!v.isString()) {
        throw new Bad(at(key), "is not a string");
      }
      return v.stringValue();
    }

    long integer(String key, long min, long max) {
      JsonNode v = required(key);
      if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < min || v.longValue() > max) {
        throw new Bad(at(key), v + " is not a whole number in " + min + ".." + max);
      }
      return v.longValue();
    }

    int integer(String key, int min, int max) {
      return (int) integer(key, (long) min, (long) max);
    }

    <T> T parse(String key, Function<String, T> parser) {
      String s = string(key);
      return value(key, () -> parser.apply(s));
    }

    <T> Optional<T> optional(String key, Function<String, T> parser) {
      return isNull(key) ? Optional.empty() : Optional.of(parse(key, parser));
    }

    Instant instant(String key) {
      return parse(key, s -> {
        try {
          return Instant.parse(s);
        } catch (DateTimeParseException e) {
          throw new IllegalArgumentException("'" + s + "' is not a UTC timestamp (e.g. 2025-01-31T12:00:00Z)");
        }
      });
    }

    Obj object(String key) {
      return new Obj(required(key), at(key));
    }

    List<Obj> objects(String key) {
      JsonNode v = required(key);
      if (!v.isArray()) {
        throw new Bad(at(key), "is not a JSON array");
      }
      List<Obj> out = new ArrayList<>();
      for (int i = 0; i < v.size(); i++) {
        out.add(new Obj(v.get(i), at(key) + "[" + i + "]"));
      }
      return out;
    }

    <T> T value(String key, java.util.function.Supplier<T> make) {
      try {
        return make.get();
      } catch (IllegalArgumentException | NullPointerException e) {
        throw new Bad(key.isEmpty() ? path : at(key), String.valueOf(e.getMessage()));
      }
    }
  }
}
