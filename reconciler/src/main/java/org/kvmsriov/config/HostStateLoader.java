package org.kvmsriov.config;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.kvmsriov.io.InputFiles;
import org.kvmsriov.io.IoErrors;
import org.kvmsriov.model.HostState;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Reads {@code host.yaml}: YAML 1.2 syntax, then the JSON schema, then semantic checks, and only
 * then builds a {@link HostState}. Every problem found is reported, each with line and column.
 */
public final class HostStateLoader {

  /** Bigger than any sane host.yaml; refuse before parsing rather than exhaust memory. */
  static final long MAX_BYTES = 1 << 20;

  private static final YAMLMapper MAPPER =
      YAMLMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  private HostStateLoader() {}

  /** Loads and validates {@code file}; throws {@link InvalidInputException} listing every problem. */
  public static HostState load(Path file) {
    return parse(file.toString(), read(file));
  }

  /** Validates without building; empty when the file is valid. */
  public static List<Problem> problems(Path file) {
    try {
      load(file);
      return List.of();
    } catch (InvalidInputException e) {
      return e.problems().isEmpty()
          ? List.of(new Problem(file.toString(), 0, 0, e.getMessage()))
          : e.problems();
    }
  }

  static String read(Path file) {
    try {
      return InputFiles.read(file, MAX_BYTES, "host.yaml");
    } catch (InputFiles.Refused e) {
      throw new InvalidInputException(List.of(new Problem(file.toString(), 0, 0, e.reason())));
    } catch (NoSuchFileException e) {
      throw new InvalidInputException(List.of(new Problem(file.toString(), 0, 0, "no such file")));
    } catch (IOException e) {
      throw new InvalidInputException(List.of(new Problem(file.toString(), 0, 0,
          "cannot read: " + IoErrors.reason(e))));
    }
  }

  /** Parses YAML text that came from {@code file} (used in messages only). */
  public static HostState parse(String file, String text) {
    JsonNode tree;
    try {
      tree = MAPPER.readTree(text);
    } catch (JacksonException e) {
      TokenStreamLocation l = e.getLocation();
      int line = l == null ? 0 : Math.max(1, l.getLineNr());
      int col = l == null ? 0 : Math.max(1, l.getColumnNr());
      throw new InvalidInputException(List.of(new Problem(file, line, col,
          "YAML syntax error: " + condense(ParserMessages.plain(e.getOriginalMessage())))));
    }
    if (tree == null || tree.isMissingNode() || tree.isNull()) {
      throw new InvalidInputException(List.of(new Problem(file, 1, 1, "the file is empty")));
    }
    SourceMap map = SourceMap.of(MAPPER, text);
    List<Problem> problems = new ArrayList<>(SchemaCheck.check(file, tree, map));
    problems.addAll(new HostStateChecks(file, map).check(tree));
    if (!problems.isEmpty()) {
      Collections.sort(problems);
      throw new InvalidInputException(problems.stream().distinct().toList());
    }
    return HostStateMapper.toHostState(tree);
  }

  /**
   * SnakeYAML's messages span lines with source excerpts and carets; we already give the
   * position, so keep only the sentences.
   */
  static String condense(String message) {
    if (message == null) {
      return "unreadable";
    }
    List<String> parts = new ArrayList<>();
    String[] lines = message.split("\n");
    for (int i = 0; i < lines.length; i++) {
      String l = lines[i].strip();
      if (l.startsWith("in reader") || l.startsWith("in 'reader'")) {
        i += 2; // the excerpt line and the caret line that follow
        continue;
      }
      if (!l.isEmpty()) {
        parts.add(l);
      }
    }
    String text = String.join(": ", parts);
    if (text.startsWith("Duplicate Object property ")) {
      return "key " + text.substring("Duplicate Object property ".length()) + " appears twice";
    }
    if (text.contains("expected <block end>") || text.contains("mapping values are not allowed")) {
      text += " (check the indentation)";
    }
    return text;
  }
}
