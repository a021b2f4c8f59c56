package org.kvmsriov.cli;

import java.util.List;
import java.util.Map;
import org.kvmsriov.config.InvalidInputException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The sudo rule lets OpenNebula's user run {@code kvm-sriov driver *} and {@code vnm *} as root.
 * sudo cannot restrict where the arguments point, so under sudo these commands take no option:
 * a {@code --state}, {@code --ledger-dir}, {@code --sysfs-root} or {@code --stock-dir} from
 * oneadmin would otherwise steer a root process to files of its choosing.
 */
final class SudoGuard {

  private SudoGuard() {}

  /**
   * @throws InvalidInputException when run through sudo with any option on the command line
   */
  static void refuseOptionsUnderSudo(CommandSpec spec, Map<String, String> env) {
    String user = env.get("SUDO_USER");
    if (user == null || user.isEmpty()) {
      return;
    }
    List<String> given = spec.commandLine().getParseResult().matchedOptions().stream()
        .map(OptionSpec::longestName).distinct().toList();
    if (!given.isEmpty()) {
      throw new InvalidInputException("kvm-sriov " + spec.name() + " run through sudo (by " + user
          + ") takes no options, and " + String.join(", ", given) + " was given: settings come from"
          + " /etc/kvm-sriov/host.yaml only");
    }
  }
}
