package org.kvmsriov.testsupport;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.kvmsriov.cli.KvmSriovCommand;
import picocli.CommandLine;

/**
 * One in-process run of the CLI, as a user would type it, with its exit code and output.
 *
 * @param exitCode what the process would exit with
 * @param out standard output
 * @param err standard error
 */
public record CliRun(int exitCode, String out, String err) {

  public static CliRun of(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = KvmSriovCommand.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new CliRun(code, out.toString(), err.toString());
  }
}
