package org.kvmsriov.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kvmsriov.testsupport.Cli;
import org.kvmsriov.testsupport.CliRun;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The help every command prints, which the man pages and the bash completion are generated from
 * (packaging/): 80 columns, paragraphs wrapped once, the global options at the top, each command
 * with the options it uses, the version with its commit and build date.
 */
class HelpTextTest {

  static CliRun kvmSriov(String... args) {
    return Cli.run(uri -> {
      throw new AssertionError("help connects to nothing");
    }, Clock.systemUTC(), args);
  }

  static List<CommandLine> everyCommand() {
    List<CommandLine> all = new ArrayList<>();
    collect(KvmSriovCommand.commandLine(), all);
    return all;
  }

  private static void collect(CommandLine cl, List<CommandLine> all) {
    all.add(cl);
    cl.getSubcommands().values().forEach(sub -> collect(sub, all));
  }

  @Test
  void everyHelpFitsInEightyColumns() {
    for (CommandLine cl : everyCommand()) {
      String help = cl.getUsageMessage(CommandLine.Help.Ansi.OFF);
      assertThat(help.lines()).as(cl.getCommandSpec().qualifiedName()).allMatch(l -> l.length() <= 80);
    }
  }

  /**
   * picocli also breaks a token at its dots or slashes ("host." / "yaml."): ragged. A break is one
   * when the line's last word and the next line's first, joined, are a word of the description.
   */
  @Test
  void noWordIsBrokenAcrossLines() {
    for (CommandLine cl : everyCommand()) {
      CommandSpec spec = cl.getCommandSpec();
      StringBuilder raw = new StringBuilder(String.join(" ", spec.usageMessage().description()));
      raw.append(' ').append(String.join(" ", spec.usageMessage().header()));
      spec.args().forEach(a -> raw.append(' ').append(String.join(" ", a.description())));
      cl.getSubcommands().values()
          .forEach(sub -> raw.append(' ').append(String.join(" ", sub.getCommandSpec().usageMessage().header())));
      List<String> words = List.of(raw.toString().split("\\s+"));
      List<String> lines = cl.getUsageMessage(CommandLine.Help.Ansi.OFF).lines().toList();
      for (int i = 1; i < lines.size(); i++) {
        String[] before = lines.get(i - 1).trim().split("\\s+");
        String last = before[before.length - 1];
        String first = lines.get(i).trim().split("\\s+")[0];
        if (last.matches(".*[./_:-]") && !first.isEmpty()) {
          assertThat(words).as("%s: '%s' broken after '%s'", spec.qualifiedName(), last + first, last)
              .doesNotContain(last + first);
        }
      }
    }
  }

  /** A description given as several array elements would print each on its own line: ragged. */
  @Test
  void descriptionsArePrintedAsParagraphsWrappedOnce() {
    for (CommandLine cl : everyCommand()) {
      CommandSpec spec = cl.getCommandSpec();
      String[] d = spec.usageMessage().description();
      for (int i = 1; i < d.length; i++) {
        assertThat(d[i].isEmpty() || d[i - 1].isEmpty() || d[i].matches("^\\S+: .*"))
            .as("%s: '%s' continues the paragraph before it", spec.qualifiedName(), d[i]).isTrue();
      }
      List<ArgSpec> args = new ArrayList<>(spec.options());
      args.addAll(spec.positionalParameters());
      for (ArgSpec a : args) {
        assertThat(a.description()).as("%s %s: one paragraph", spec.qualifiedName(), a.paramLabel())
            .hasSizeLessThanOrEqualTo(1);
      }
    }
    assertThat(kvmSriov("vnm", "--help").out())
        .contains("Takes the VM template both ways OpenNebula sends it: base64 as the first\nargument (5.4-5.8)");
  }

  @Test
  void theTopLevelHelpListsTheGlobalOptions() {
    String help = kvmSriov("--help").out();
    assertThat(help).contains("Global options (given after the command; each command lists those it uses):\n");
    assertThat(help.substring(help.indexOf("Global options")))
        .contains("--state=FILE", "--ledger-dir=DIR", "--sysfs-root=DIR", "--libvirt-uri=URI");
  }

  @Test
  void aCommandListsAndTakesOnlyTheOptionsItUses() {
    String validate = kvmSriov("validate", "--help").out();
    assertThat(validate).contains("--state=FILE").doesNotContain("--ledger-dir", "--sysfs-root", "--libvirt-uri",
        "--version");
    assertThat(kvmSriov("import-legacy", "--help").out()).contains("--ledger-dir=DIR").doesNotContain("--state");
    assertThat(kvmSriov("status", "--help").out())
        .contains("--state=FILE", "--ledger-dir=DIR", "--sysfs-root=DIR", "--libvirt-uri=URI");

    CliRun refused = kvmSriov("validate", "--ledger-dir", "/tmp", "/nonexistent.yaml");
    assertThat(refused.exitCode()).isEqualTo(2);
    assertThat(refused.err()).contains("Unknown options: '--ledger-dir'");
  }

  @Test
  void vnmHelpListsEveryStepItAccepts() {
    String help = kvmSriov("vnm", "--help").out().replaceAll("\\s+", " ");
    assertThat(org.kvmsriov.actions.NetworkSteps.STEPS).allMatch(step -> help.contains(" " + step + ",") || help.contains(" " + step + "."));
  }

  @Test
  void versionNamesTheVersionCommitAndBuildDate() {
    CliRun r = kvmSriov("--version");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out().lines().toList()).hasSize(3).satisfiesExactly(
        l -> assertThat(l).matches("kvm-sriov \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?"),
        l -> assertThat(l).matches("commit ([0-9a-f]{12}( \\(with uncommitted changes\\))?|unknown)"),
        l -> assertThat(l).matches("built \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"));
  }
}
