package org.kvmsriov.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.kvmsriov.config.HostStateLoader;
import org.kvmsriov.config.Problem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "validate", mixinStandardHelpOptions = true,
    modelTransformer = GlobalOptions.StateOnly.class,
    header = "Check a host.yaml against the schema and the semantic rules.",
    description = {"Prints 'ok' and exits 0, or prints one FILE:LINE:COL: message line per problem",
        "(all of them) and exits 2. Reads nothing but the file."})
final class ValidateCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin GlobalOptions global;

  @Parameters(index = "0", arity = "0..1", paramLabel = "FILE",
      description = "The file to check (default: --state).")
  Path file;

  @Override
  public Integer call() {
    Path target = file != null ? file : global.state();
    List<Problem> problems = HostStateLoader.problems(target);
    if (problems.isEmpty()) {
      spec.commandLine().getOut().println("ok");
      return 0;
    }
    problems.forEach(p -> spec.commandLine().getErr().println(p.format()));
    return 2;
  }
}
