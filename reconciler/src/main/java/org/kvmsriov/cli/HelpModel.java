package org.kvmsriov.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Shapes the command model that {@code --help}, the man pages and the bash completion are all
 * made from (picocli-codegen builds them from the same classes, so they agree).
 *
 * <ul>
 *   <li>Descriptions are written in the source as short lines; picocli would print each as its
 *       own line and wrap it again, leaving ragged breaks. They are joined into paragraphs that
 *       picocli wraps once, at 80 columns. A line that starts with a label ({@code pre:}) or
 *       follows an empty one starts a new paragraph.
 *   <li>The top-level help lists the global options (each command lists those it uses).
 * </ul>
 */
public final class HelpModel implements CommandLine.IModelTransformer {

  static final int WIDTH = 80;
  private static final Pattern LABEL = Pattern.compile("^\\S+: .*");

  @Override
  public CommandSpec transform(CommandSpec root) {
    root.usageMessage().footerHeading("%nGlobal options (given after the command; each command lists those it uses):%n")
        .footer(globalOptions());
    paragraphs(root);
    root.subcommands().values().forEach(sub -> withoutVersion(sub.getCommandSpec()));
    return root;
  }

  /** --version belongs to kvm-sriov itself, not to each command. */
  private static void withoutVersion(CommandSpec spec) {
    java.util.Optional.ofNullable(spec.findOption("--version")).ifPresent(spec::remove);
    spec.subcommands().values().forEach(sub -> withoutVersion(sub.getCommandSpec()));
  }

  /** Joins every command's description lines into paragraphs, the whole tree down. */
  static void paragraphs(CommandSpec spec) {
    spec.usageMessage().width(WIDTH).description(paragraphs(spec.usageMessage().description()));
    spec.subcommands().values().forEach(sub -> paragraphs(sub.getCommandSpec()));
  }

  static String[] paragraphs(String[] lines) {
    List<String> out = new ArrayList<>();
    StringBuilder p = new StringBuilder();
    for (String line : lines) {
      if (line.isBlank() || LABEL.matcher(line).matches()) {
        flush(p, out);
        if (line.isBlank()) {
          out.add("");
          continue;
        }
      }
      p.append(p.length() == 0 ? "" : " ").append(line.strip());
    }
    flush(p, out);
    return out.toArray(String[]::new);
  }

  private static void flush(StringBuilder p, List<String> out) {
    if (p.length() > 0) {
      out.add(p.toString());
      p.setLength(0);
    }
  }

  /** The global options as the help lays out an option list, from their own declarations. */
  private static String[] globalOptions() {
    CommandSpec global = CommandSpec.forAnnotatedObject(new GlobalOptions());
    global.usageMessage().width(WIDTH);
    CommandLine.Help help = new CommandLine.Help(global, CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF));
    List<String> lines = new ArrayList<>();
    for (String line : help.optionList().split("\\R")) {
      // the footer is a format string: a literal % must stay one
      lines.add(line.stripTrailing().replace("%", "%%"));
    }
    return lines.toArray(String[]::new);
  }
}
