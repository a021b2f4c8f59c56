package org.kvmsriov.cli;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kvmsriov.config.InvalidInputException;
import picocli.CommandLine;

/** Under sudo, driver and vnm refuse every option: oneadmin must not steer root's paths. */
class SudoGuardTest {

  static CommandLine.Model.CommandSpec parsed(String... args) {
    CommandLine cl = KvmSriovCommand.commandLine(CommandFactory.production());
    CommandLine.ParseResult r = cl.parseArgs(args);
    return r.subcommand().commandSpec();
  }

  @Test
  void refusesAStatePathUnderSudo() {
    assertThatThrownBy(() -> SudoGuard.refuseOptionsUnderSudo(
        parsed("driver", "--state", "/tmp/evil.yaml", "cancel", "one-1", "node01", "1", "node01"),
        Map.of("SUDO_USER", "oneadmin")))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("kvm-sriov driver run through sudo (by oneadmin) takes no options, and --state was given:"
            + " settings come from /etc/kvm-sriov/host.yaml only");
  }

  @Test
  void refusesAStockDirUnderSudo() {
    assertThatThrownBy(() -> SudoGuard.refuseOptionsUnderSudo(
        parsed("driver", "--stock-dir=/tmp", "reboot", "one-1", "node01", "1", "node01"),
        Map.of("SUDO_USER", "oneadmin"))).hasMessageContaining("--stock-dir was given");
    assertThatThrownBy(() -> SudoGuard.refuseOptionsUnderSudo(
        parsed("vnm", "--ledger-dir", "/tmp/x", "pre"), Map.of("SUDO_USER", "oneadmin")))
        .hasMessageContaining("--ledger-dir was given");
  }

  @Test
  void refusesTheSteeringEnvironmentUnderSudo() {
    assertThatThrownBy(() -> SudoGuard.refuseOptionsUnderSudo(
        parsed("driver", "reboot", "one-1", "node01", "1", "node01"),
        Map.of("SUDO_USER", "oneadmin", "KVM_SRIOV_STOCK_DIR", "/tmp", "PATH", "/usr/bin")))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("kvm-sriov driver run through sudo (by oneadmin) takes no settings from the environment, and"
            + " KVM_SRIOV_STOCK_DIR is set: settings come from /etc/kvm-sriov/host.yaml only");
    assertThatThrownBy(() -> SudoGuard.refuseOptionsUnderSudo(parsed("vnm", "pre"),
        Map.of("SUDO_USER", "oneadmin", "KVM_SRIOV_LEDGER_DIR", "/tmp/x")))
        .hasMessageContaining("KVM_SRIOV_LEDGER_DIR is set");
    assertThatCode(() -> SudoGuard.refuseOptionsUnderSudo(parsed("vnm", "pre"), Map.of("KVM_SRIOV_LEDGER_DIR", "/tmp/x")))
        .as("root without sudo may point anywhere").doesNotThrowAnyException();
  }

  @Test
  void allowsPlainArgvUnderSudoAndOptionsForRoot() {
    assertThatCode(() -> SudoGuard.refuseOptionsUnderSudo(
        parsed("driver", "cancel", "one-1", "node01", "1", "node01"), Map.of("SUDO_USER", "oneadmin")))
        .doesNotThrowAnyException();
    assertThatCode(() -> SudoGuard.refuseOptionsUnderSudo(
        parsed("driver", "--state", "/etc/kvm-sriov/host.yaml", "cancel", "one-1", "node01", "1", "node01"),
        Map.of())).doesNotThrowAnyException();
  }
}
