package org.kvmsriov.model;

import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A subnet manager that holds InfiniBand partition membership (host.yaml {@code
 * subnet_managers}). On ConnectX-4 and newer there is no per-VF pkey table on the host, so a VF
 * joins a partition only when the SM lists its port GUID.
 *
 * <pre>
 * SubnetManagerSpec = OpenSm(name, partitionsFile, host?, reload, pidFile?)   edits partitions.conf
 *                   | Ufm(name, url, credentialsFile, verifyTls)             UFM's REST API
 * </pre>
 */
public sealed interface SubnetManagerSpec permits SubnetManagerSpec.OpenSm, SubnetManagerSpec.Ufm {

  Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

  /** An ssh destination, {@code host} or {@code user@host}; never one ssh would read as an option. */
  Pattern SSH_HOST = Pattern.compile("([A-Za-z0-9_][A-Za-z0-9_.-]*@)?[A-Za-z0-9][A-Za-z0-9.-]*");

  /** The key under {@code subnet_managers}; PFs name their SM with it. */
  String name();

  /** Why {@code name} cannot name a subnet manager, or null when it can. */
  static String nameProblem(String name) {
    return NAME.matcher(name).matches() ? null
        : "subnet manager name '" + name + "' must be 1-64 letters, digits, '_', '.' or '-', starting"
            + " with a letter or digit";
  }

  /** How OpenSM learns that partitions.conf changed. */
  enum Reload {
    /** send SIGHUP: OpenSM re-reads its configuration and sweeps the fabric */
    HUP,
    /** nothing: the operator's tooling re-reads the file (or OpenSM's periodic sweep with reload) */
    NONE
  }

  /**
   * OpenSM, configured through its partitions file.
   *
   * @param partitionsFile absolute path of {@code partitions.conf} on the SM's host
   * @param host the SM's host, reached with ssh as the configured user; empty: this host
   * @param reload how OpenSM is told to re-read the file
   * @param pidFile the OpenSM process to signal; empty: every process named {@code opensm}
   */
  record OpenSm(String name, Path partitionsFile, Optional<String> host, Reload reload,
      Optional<Path> pidFile) implements SubnetManagerSpec {
    public OpenSm {
      host.ifPresent(h -> {
        if (!SSH_HOST.matcher(h).matches()) {
          throw new IllegalArgumentException("host '" + h + "' is not a host name (or user@host) ssh can reach");
        }
      });
      requireAbsolute(partitionsFile, "partitions_file");
      pidFile.ifPresent(p -> requireAbsolute(p, "pid_file"));
    }
  }

  /**
   * NVIDIA UFM, through its REST API.
   *
   * @param url base URL, e.g. {@code https://ufm.example/}; requests go to {@code <url>ufmRest/...}
   * @param credentialsFile absolute path of a file holding {@code USER:PASSWORD} (basic auth)
   * @param verifyTls false accepts any server certificate (a lab UFM with a self-signed one)
   */
  record Ufm(String name, URI url, Path credentialsFile, boolean verifyTls) implements SubnetManagerSpec {
    public Ufm {
      requireAbsolute(credentialsFile, "credentials_file");
      if (!"https".equals(url.getScheme()) && !"http".equals(url.getScheme())) {
        throw new IllegalArgumentException("UFM url " + url + " is not http(s)");
      }
    }
  }

  private static void requireAbsolute(Path p, String key) {
    if (!p.isAbsolute()) {
      throw new IllegalArgumentException(key + " " + p + " is not an absolute path");
    }
  }
}
