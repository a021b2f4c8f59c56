package org.kvmsriov.adapters.ssh;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.kvmsriov.port.DriverException;
import org.kvmsriov.port.RemoteDriver;

/**
 * {@link RemoteDriver} over ssh, the way OpenNebula reaches its hosts. Arguments are tokens that
 * kvm-sriov validated (VM ids, PF names, MACs, pkeys), single-quoted for the remote shell anyway.
 */
public final class SshRemoteDriver implements RemoteDriver {

  private final long timeoutSeconds;
  private final java.util.Optional<String> sudoUser;

  /** @param env the caller's environment: under sudo, {@code SUDO_USER} is OpenNebula's user */
  public SshRemoteDriver(long timeoutSeconds, java.util.Map<String, String> env) {
    this.timeoutSeconds = timeoutSeconds;
    this.sudoUser = java.util.Optional.ofNullable(env.get("SUDO_USER"));
  }

  @Override
  public String call(String host, List<String> args) {
    StringBuilder remote = new StringBuilder("sudo -n /usr/bin/kvm-sriov driver");
    for (String a : args) {
      remote.append(" '").append(a.replace("'", "'\\''")).append('\'');
    }
    List<String> cmd = new ArrayList<>();
    String user = sudoUser.orElse(null);
    if (user != null && user.matches("[a-z_][a-z0-9_-]{0,31}")) {
      // Under sudo, reach the other host with OpenNebula's own ssh keys, as oned does.
      cmd.addAll(List.of("runuser", "-u", user, "--"));
    }
    cmd.addAll(List.of("ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=15", host, remote.toString()));
    try {
      Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
          .start();
      byte[] out = p.getInputStream().readAllBytes();
      byte[] err = p.getErrorStream().readAllBytes();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new DriverException("kvm-sriov on " + host + " did not answer within " + timeoutSeconds + " s");
      }
      if (p.exitValue() != 0) {
        throw new DriverException("kvm-sriov on " + host + " failed: "
            + new String(err, StandardCharsets.UTF_8).replace("ERROR MESSAGE --8<------", "")
                .replace("ERROR MESSAGE ------>8--", "").strip());
      }
      return new String(out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new DriverException("cannot run ssh to " + host + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DriverException("interrupted while asking " + host, e);
    }
  }
}
