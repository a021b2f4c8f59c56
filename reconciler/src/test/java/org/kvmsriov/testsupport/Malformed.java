package org.kvmsriov.testsupport;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Malformed variants of a valid input, reproducibly from a seed: flipped, dropped and inserted
 * characters (the syntax characters of YAML, JSON and XML among them), truncations, duplicated
 * and swapped lines, deep nesting, huge tokens, control characters and bytes that are not UTF-8.
 */
public final class Malformed {

  private static final String SPECIAL = ":{}[]<>&*!|'\"%@`\t\0\r\n#-=?,/\\;$~\u00ff\ufeff\ud800";

  private final Random random;

  public Malformed(long seed) {
    this.random = new Random(seed);
  }

  /** {@code n} variants of {@code valid}. */
  public List<String> of(String valid, int n) {
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(variant(valid, i % 10));
    }
    return out;
  }

  private String variant(String s, int kind) {
    return switch (kind) {
      case 0 -> s.substring(0, random.nextInt(s.length() + 1));
      case 1 -> flip(s, 1 + random.nextInt(8));
      case 2 -> insert(s, String.valueOf(SPECIAL.charAt(random.nextInt(SPECIAL.length()))).repeat(1 + random.nextInt(3)));
      case 3 -> swapLines(s);
      case 4 -> insert(s, "[".repeat(1000 + random.nextInt(5000)));
      case 5 -> insert(s, "<a>".repeat(200 + random.nextInt(2000)));
      case 6 -> insert(s, "9".repeat(30 + random.nextInt(300)));
      case 7 -> randomBytes(random.nextInt(2000));
      case 8 -> insert(s, "\n" + "  ".repeat(random.nextInt(40)) + "x: &a [*a, *a]\n");
      default -> insert(s, "{a: ".repeat(500 + random.nextInt(3000)));
    };
  }

  private String flip(String s, int times) {
    StringBuilder b = new StringBuilder(s);
    for (int i = 0; i < times && b.length() > 0; i++) {
      int at = random.nextInt(b.length());
      if (random.nextBoolean()) {
        b.setCharAt(at, SPECIAL.charAt(random.nextInt(SPECIAL.length())));
      } else {
        b.deleteCharAt(at);
      }
    }
    return b.toString();
  }

  private String insert(String s, String what) {
    int at = random.nextInt(s.length() + 1);
    return s.substring(0, at) + what + s.substring(at);
  }

  private String swapLines(String s) {
    List<String> lines = new ArrayList<>(List.of(s.split("\n", -1)));
    int a = random.nextInt(lines.size());
    int b = random.nextInt(lines.size());
    lines.add(b, lines.get(a));
    if (lines.size() > 2) {
      lines.remove(random.nextInt(lines.size()));
    }
    return String.join("\n", lines);
  }

  private String randomBytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return new String(b, StandardCharsets.ISO_8859_1);
  }
}
