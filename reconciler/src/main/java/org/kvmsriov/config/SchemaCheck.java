package org.kvmsriov.config;

import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.NodePath;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** Checks a host.yaml tree against {@code schemas/host-state.schema.json} (bundled in the jar). */
final class SchemaCheck {

  static final String RESOURCE = "/schemas/host-state.schema.json";

  private static final Schema SCHEMA = load();

  private SchemaCheck() {}

  private static Schema load() {
    try (InputStream in = SchemaCheck.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("schema " + RESOURCE + " is missing from the jar");
      }
      return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
          .getSchema(in, InputFormat.JSON);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One problem per schema violation, located in the source. */
  static List<Problem> check(String file, JsonNode tree, SourceMap map) {
    List<Problem> out = new ArrayList<>();
    for (Error e : SCHEMA.validate(tree)) {
      if (checkedElsewhere(e)) {
        continue;
      }
      String pointer = pointer(e.getInstanceLocation());
      SourceMap.Position at;
      String message;
      switch (e.getKeyword()) {
        case "additionalProperties" -> {
          String child = pointer + "/" + SourceMap.escape(e.getProperty());
          at = map.key(child);
          message = "unknown key '" + e.getProperty() + "'" + where(pointer);
        }
        case "required" -> {
          at = map.key(pointer);
          message = "missing required key '" + e.getProperty() + "'" + where(pointer);
        }
        case "enum" -> {
          at = map.value(pointer);
          message = describe(pointer) + ": " + e.getInstanceNode() + " is not one of "
              + String.join(", ", enumValues(e));
        }
        default -> {
          at = map.value(pointer);
          message = describe(pointer) + ": " + stripPath(e.getMessage());
        }
      }
      out.add(new Problem(file, at.line(), at.column(), message));
    }
    return out;
  }

  /**
   * PF and subnet manager names, PCI addresses, pkeys, GUID pools, paths, ssh hosts and URLs get
   * precise messages from {@link HostStateChecks}; the
   * schema still describes them for editors, but its generic wording would only repeat them.
   */
  private static boolean checkedElsewhere(Error e) {
    String where = String.valueOf(e.getSchemaLocation());
    return e.getKeyword().equals("propertyNames") || where.contains("$defs/pciAddress")
        || where.contains("$defs/pkey") || where.contains("/propertyNames")
        || where.contains("guid_pool") || where.contains("$defs/guid")
        || e.getKeyword().equals("pattern")
            && (where.contains("$defs/absolutePath") || where.contains("$defs/subnetManager"));
  }

  private static List<String> enumValues(Error e) {
    List<String> values = new ArrayList<>();
    if (e.getSchemaNode() != null) {
      e.getSchemaNode().forEach(v -> values.add(v.asString()));
    }
    return values;
  }

  static String pointer(NodePath path) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < path.getNameCount(); i++) {
      b.append('/').append(SourceMap.escape(String.valueOf(path.getElement(i))));
    }
    return b.toString();
  }

  private static String where(String pointer) {
    return pointer.isEmpty() ? " at top level" : " in " + dotted(pointer);
  }

  private static String describe(String pointer) {
    return pointer.isEmpty() ? "document" : dotted(pointer);
  }

  /** {@code /pfs/ib0/vfs/2} as a user reads it: {@code pfs.ib0.vfs[2]}. */
  static String dotted(String pointer) {
    StringBuilder b = new StringBuilder();
    for (String part : pointer.substring(1).split("/", -1)) {
      String name = part.replace("~1", "/").replace("~0", "~");
      if (!name.matches("[A-Za-z0-9_-]+")) {
        b.append("[\"").append(name).append("\"]");
      } else if (name.matches("\\d+") && b.length() > 0) {
        b.append('[').append(name).append(']');
      } else {
        if (b.length() > 0) {
          b.append('.');
        }
        b.append(name);
      }
    }
    return b.toString();
  }

  /** networknt prefixes messages with its own path ("$.pfs.ib0: ..."); we give the location ourselves. */
  private static String stripPath(String message) {
    int i = message.indexOf(": ");
    return message.startsWith("$") && i > 0 ? message.substring(i + 2) : message;
  }
}
