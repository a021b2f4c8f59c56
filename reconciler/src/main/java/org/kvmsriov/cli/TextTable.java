package org.kvmsriov.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** Left-aligned columns for human output; the last column is not padded. */
final class TextTable {
  private final List<String[]> rows = new ArrayList<>();

  TextTable(String... header) {
    rows.add(header);
  }

  TextTable row(String... cells) {
    rows.add(cells);
    return this;
  }

  void print(PrintWriter out, String indent) {
    int cols = rows.get(0).length;
    int[] width = new int[cols];
    for (String[] r : rows) {
      for (int i = 0; i < cols; i++) {
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    for (String[] r : rows) {
      StringBuilder b = new StringBuilder(indent);
      for (int i = 0; i < cols; i++) {
        b.append(i == cols - 1 ? r[i] : String.format("%-" + width[i] + "s  ", r[i]));
      }
      out.println(b.toString().stripTrailing());
    }
  }
}
