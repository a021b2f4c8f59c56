package org.kvmsriov.cli;

import java.time.Clock;
import java.util.Objects;
import picocli.CommandLine;
import org.kvmsriov.app.HypervisorConnector;

/**
 * Creates the commands that talk to libvirt or read the clock, handing them the connector and
 * clock to use; every other class is created as picocli would.
 */
public final class CommandFactory implements CommandLine.IFactory {

  private final HypervisorConnector connector;
  private final Clock clock;
  private final java.io.InputStream stdin;

  /**
   * Production, for tools that name a factory class (picocli-codegen's man page generator and
   * AutoComplete build the command tree through it; nothing connects until a command runs).
   */
  public CommandFactory() {
    this(HypervisorConnector.libvirt(), Clock.systemUTC());
  }

  /**
   * @param connector how to reach libvirt
   * @param clock lease and history timestamps
   */
  public CommandFactory(HypervisorConnector connector, Clock clock) {
    this(connector, clock, System.in);
  }

  /** @param stdin what driver actions and network-driver steps read (OpenNebula's stdin) */
  public CommandFactory(HypervisorConnector connector, Clock clock, java.io.InputStream stdin) {
    this.connector = Objects.requireNonNull(connector, "connector");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.stdin = Objects.requireNonNull(stdin, "stdin");
  }

  /** Production: the libvirt adapter and the system clock. */
  public static CommandFactory production() {
    return new CommandFactory();
  }

  @Override
  public <K> K create(Class<K> cls) throws Exception {
    if (cls == StatusCommand.class) {
      return cls.cast(new StatusCommand(connector, clock));
    }
    if (cls == LeasesCommand.Release.class) {
      return cls.cast(new LeasesCommand.Release(connector, clock));
    }
    if (cls == ReconcileCommand.class) {
      return cls.cast(new ReconcileCommand(connector, clock));
    }
    if (cls == DaemonCommand.class) {
      return cls.cast(new DaemonCommand(connector, clock));
    }
    if (cls == DriverCommand.class) {
      return cls.cast(new DriverCommand(connector, clock, stdin));
    }
    if (cls == VnmCommand.class) {
      return cls.cast(new VnmCommand(connector, clock, stdin));
    }
    if (cls == ProbeCommand.class) {
      return cls.cast(new ProbeCommand(connector, clock));
    }
    if (cls == ImportLegacyCommand.class) {
      return cls.cast(new ImportLegacyCommand(clock));
    }
    return CommandLine.defaultFactory().create(cls);
  }
}
