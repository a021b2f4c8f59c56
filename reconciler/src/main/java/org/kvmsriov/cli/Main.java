package org.kvmsriov.cli;

/** The only place that calls {@code System.exit}. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(KvmSriovCommand.commandLine().execute(args));
  }
}
