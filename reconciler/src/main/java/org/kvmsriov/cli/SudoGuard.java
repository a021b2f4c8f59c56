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
 * oneadmin would otherwise steer a root process to files of its choosing. The environment
 * variables behind those options are refused too: the rule's {@code env_reset} drops them, but a
 * site that keeps more of oneadmin's environment must not hand it the same steering wheel.
 */
final class SudoGuard {

  /** The variables that stand in for the options (GlobalOptions, DriverCommand's --stock-dir). */
  static final List<String> STEERING_ENV = List.of("KVM_SRIOV_STATE", "KVM_SRIOV_LEDGER_DIR", "KVM_SRIOV_SYSFS_ROOT",
      "KVM_SRIOV_STOCK_DIR", "LIBVIRT_URI");

  private SudoGuard() {}

  /**
   * @throws InvalidInputException when run through sudo with any option on the command line, or
   *     with one of {@link #STEERING_ENV} set
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
    List<String> set = STEERING_ENV.stream().filter(env::containsKey).toList();
    if (!set.isEmpty()) {
      throw new InvalidInputException("kvm-sriov " + spec.name() + " run through sudo (by " + user
          + ") takes no settings from the environment, and " + String.join(", ", set) + " is set: settings come"
          + " from /etc/kvm-sriov/host.yaml only");
    }
  }
}
