package org.kvmsriov.cli;

import org.kvmsriov.actions.Failure;
import java.io.PrintWriter;
import org.kvmsriov.config.InvalidInputException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code kvm-sriov}: the root command. */
@Command(
    name = "kvm-sriov",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    header = "SR-IOV VF passthrough for OpenNebula KVM hosts, with a self-healing reconciler.",
    description = {
      "Declare a host's SR-IOV physical functions in host.yaml; kvm-sriov leases their VFs to",
      "OpenNebula VMs and keeps the leases, libvirt and sysfs in agreement."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:success",
      "1:the operation failed (nothing half-done is left behind)",
      "2:bad input or usage (nothing was changed)"
    },
    subcommands = {
      ValidateCommand.class,
      ImportLegacyCommand.class,
      StatusCommand.class,
      LeasesCommand.class,
      ReconcileCommand.class,
      DaemonCommand.class,
      ProbeCommand.class,
      DriverCommand.class,
      VnmCommand.class,
      CommandLine.HelpCommand.class
    })
public final class KvmSriovCommand implements java.util.concurrent.Callable<Integer> {

  @Spec CommandSpec spec;

  /** No command given: usage on stderr, exit 2 (bad usage). */
  @Override
  public Integer call() {
    spec.commandLine().getErr().println("kvm-sriov: a command is required");
    spec.commandLine().usage(spec.commandLine().getErr());
    return 2;
  }

  /** The configured command line: error handling and exit codes as the contract says. */
  public static CommandLine commandLine() {
    return commandLine(CommandFactory.production());
  }

  /** As {@link #commandLine()}, with commands created by {@code factory} (tests pass their own). */
  public static CommandLine commandLine(CommandLine.IFactory factory) {
    CommandLine cl = new CommandLine(new KvmSriovCommand(), factory);
    cl.setExecutionExceptionHandler(KvmSriovCommand::handle);
    // picocli hands exceptions to the handler above but lets an Error (a stack overflow on a
    // hostile input) out of execute(): it becomes one line and exit 1 too
    cl.setExecutionStrategy(parsed -> {
      try {
        return new CommandLine.RunLast().execute(parsed);
      } catch (Error e) {
        return handle(e, lastOf(parsed));
      }
    });
    // a usage error (picocli's ParameterException) is bad input too: exit 2, as the contract says
    cl.setExitCodeExceptionMapper(e ->
        e instanceof InvalidInputException || e instanceof CommandLine.ParameterException ? 2 : 1);
    // OpenNebula's argv follows the action: a "-h" or "--state" there is an argument, not an option
    for (String step : new String[] {"driver", "vnm"}) {
      cl.getSubcommands().get(step).setStopAtPositional(true);
    }
    cl.setParameterExceptionHandler(KvmSriovCommand::badUsage);
    return cl;
  }

  private static int handle(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
    return handle(e, cl);
  }

  private static int handle(Throwable e, CommandLine cl) {
    PrintWriter err = cl.getErr();
    if (e instanceof InvalidInputException bad) {
      err.println(bad.getMessage());
      err.flush();
      return 2;
    }
    err.println("kvm-sriov: " + Failure.message(e));
    Failure.traceIfAsked(e, err, System.getenv());
    err.flush();
    return 1;
  }

  /**
   * Bad usage exits 2 with picocli's message and the usage; for driver and vnm, whose stderr
   * OpenNebula shows, only the message, framed.
   */
  private static int badUsage(CommandLine.ParameterException e, String[] args) {
    CommandLine c = e.getCommandLine();
    PrintWriter err = c.getErr();
    if (c.getCommand() instanceof DriverCommand || c.getCommand() instanceof VnmCommand) {
      ErrorFrame.print(err, c.getCommandName() + ": " + e.getMessage());
      return 2;
    }
    err.println(e.getMessage());
    if (!CommandLine.UnmatchedArgumentException.printSuggestions(e, err)) {
      c.usage(err);
    }
    err.flush();
    return 2;
  }

  /** The command line of the subcommand that ran (its stderr is the one a test or caller set). */
  private static CommandLine lastOf(CommandLine.ParseResult parsed) {
    CommandLine.ParseResult p = parsed;
    while (p.hasSubcommand()) {
      p = p.subcommand();
    }
    return p.commandSpec().commandLine();
  }
}
