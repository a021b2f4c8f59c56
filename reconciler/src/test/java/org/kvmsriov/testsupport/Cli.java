package org.kvmsriov.testsupport;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import org.kvmsriov.cli.CommandFactory;
import org.kvmsriov.app.HypervisorConnector;
import org.kvmsriov.cli.KvmSriovCommand;
import picocli.CommandLine;

/** Runs the CLI in-process like {@link CliRun}, with a chosen libvirt connector and clock. */
public final class Cli {
  private Cli() {}

  public static CliRun run(HypervisorConnector connector, Clock clock, String... args) {
    return runWithStdin(connector, clock, "", args);
  }

  /** As {@link #run}, with {@code stdin} as the process's standard input (OpenNebula's). */
  public static CliRun runWithStdin(HypervisorConnector connector, Clock clock, String stdin, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = KvmSriovCommand.commandLine(new CommandFactory(connector, clock,
        new java.io.ByteArrayInputStream(stdin.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new CliRun(code, out.toString(), err.toString());
  }
}
