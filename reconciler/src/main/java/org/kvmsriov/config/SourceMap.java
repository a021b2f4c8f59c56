package org.kvmsriov.config;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Line and column of every key and value in a YAML document, by JSON pointer ({@code /pfs/ib0/vfs/2}),
 * so that schema and semantic problems point at the text the user wrote.
 */
final class SourceMap {

  record Position(int line, int column) {
    static final Position UNKNOWN = new Position(1, 1);
  }

  private final Map<String, Position> keys = new HashMap<>();
  private final Map<String, Position> values = new HashMap<>();

  private SourceMap() {}

  /** Builds the map from text that already parsed as YAML. */
  static SourceMap of(YAMLMapper mapper, String text) {
    SourceMap map = new SourceMap();
    // Each frame: the pointer of the container, and the next array index (-1 for objects).
    Deque<String> paths = new ArrayDeque<>();
    Deque<int[]> indexes = new ArrayDeque<>();
    String pendingKey = null;
    try (JsonParser p = mapper.createParser(text)) {
      JsonToken t;
      while ((t = p.nextToken()) != null) {
        if (t == JsonToken.PROPERTY_NAME) {
          pendingKey = paths.peek() + "/" + escape(p.currentName());
          map.keys.put(pendingKey, pos(p.currentTokenLocation()));
          continue;
        }
        if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
          paths.pop();
          indexes.pop();
          continue;
        }
        String here;
        if (paths.isEmpty()) {
          here = "";
        } else if (indexes.peek()[0] >= 0) {
          here = paths.peek() + "/" + indexes.peek()[0]++;
        } else {
          here = pendingKey;
        }
        map.values.put(here, pos(p.currentTokenLocation()));
        if (t == JsonToken.START_OBJECT) {
          paths.push(here);
          indexes.push(new int[] {-1});
        } else if (t == JsonToken.START_ARRAY) {
          paths.push(here);
          indexes.push(new int[] {0});
        }
      }
    }
    return map;
  }

  private static Position pos(TokenStreamLocation l) {
    return new Position(Math.max(1, l.getLineNr()), Math.max(1, l.getColumnNr()));
  }

  static String escape(String key) {
    return key.replace("~", "~0").replace("/", "~1");
  }

  /** Where the value at {@code pointer} starts, falling back to its nearest known ancestor. */
  Position value(String pointer) {
    for (String p = pointer; ; p = parent(p)) {
      Position found = values.get(p);
      if (found != null) {
        return found;
      }
      if (p.isEmpty()) {
        return Position.UNKNOWN;
      }
    }
  }

  /** Where the key naming {@code pointer} stands; for array items and the root, the value. */
  Position key(String pointer) {
    Position k = keys.get(pointer);
    return k != null ? k : value(pointer);
  }

  private static String parent(String pointer) {
    int i = pointer.lastIndexOf('/');
    return i <= 0 ? "" : pointer.substring(0, i);
  }
}
