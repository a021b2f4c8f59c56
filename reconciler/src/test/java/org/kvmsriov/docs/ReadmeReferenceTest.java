package org.kvmsriov.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The README's configuration reference lists every leaf key of the schema, and nothing else. */
class ReadmeReferenceTest {

  static final Path ROOT = Path.of(System.getProperty("kvmsriov.projectRoot", ".."));

  @Test
  void everySchemaKeyIsDocumented() throws Exception {
    JsonNode schema = JsonMapper.shared().readTree(ROOT.resolve("schemas/host-state.schema.json").toFile());
    List<String> keys = new ArrayList<>();
    walk(schema, schema, "", keys);
    String readme = Files.readString(ROOT.resolve("README.md"));
    String table = readme.substring(readme.indexOf("### Configuration reference"));
    table = table.substring(0, table.indexOf("\n## "));
    List<String> documented = table.lines().filter(l -> l.startsWith("| `"))
        .map(l -> l.substring(3, l.indexOf('`', 3))).toList();
    assertThat(keys).isNotEmpty();
    assertThat(documented).containsExactlyInAnyOrderElementsOf(keys);
  }

  private static void walk(JsonNode root, JsonNode node, String prefix, List<String> out) {
    if (node.has("$ref")) {
      String ref = node.get("$ref").asString();
      node = root.at(ref.substring(1));
    }
    JsonNode props = node.path("properties");
    for (Map.Entry<String, JsonNode> e : props.properties()) {
      String key = prefix + e.getKey();
      if (!e.getValue().has("properties")) {
        out.add(key); // objects that only group keys are documented through their keys
      }
      walk(root, e.getValue(), key + ".", out);
    }
    JsonNode extra = node.path("additionalProperties");
    if (extra.isObject()) {
      walk(root, extra, prefix + (prefix.equals("pfs.") ? "<pf>." : "<name>."), out);
    }
  }
}
