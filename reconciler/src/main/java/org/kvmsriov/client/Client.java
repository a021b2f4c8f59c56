package org.kvmsriov.client;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code Client KIND ARGS…}: what a shim execs instead of {@code kvm-sriov KIND ARGS…}. With the
 * daemon up it sends the call over the socket ({@link Wire}) and relays the answer; when the socket
 * is absent or refuses the connection it runs {@code kvm-sriov} itself, so OpenNebula never
 * depends on the daemon being up.
 *
 * <p>Environment: {@code KVM_SRIOV_SOCKET} (default {@value #DEFAULT_SOCKET}), {@code
 * KVM_SRIOV_CLI} (the fallback command, default {@code kvm-sriov} on PATH), {@code
 * KVM_SRIOV_CLIENT_LOG} (default {@value #DEFAULT_LOG}): a fallback appends one line there the first
 * time the daemon is found down and not again until a call has reached it; stdout and stderr stay
 * the call's own.
 */
public final class Client {

  public static final String DEFAULT_SOCKET = "/run/kvm-sriov/kvm-sriov.sock";
  public static final String DEFAULT_LOG = "/var/log/kvm-sriov/client.log";

  /** The kinds the daemon serves. */
  static final java.util.Set<String> SERVED = java.util.Set.of("driver", "vnm");

  private Client() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    Map<String, String> env = System.getenv();
    if (args.length == 0) {
      System.err.println("usage: Client driver|vnm|probe ARGS...");
      System.exit(2);
    }
    if (!SERVED.contains(args[0])) {
      System.exit(cli(args, env)); // probe and the operator's commands: the daemon serves none yet
    }
    Path socket = Path.of(env.getOrDefault("KVM_SRIOV_SOCKET", DEFAULT_SOCKET));
    Path log = Path.of(env.getOrDefault("KVM_SRIOV_CLIENT_LOG", DEFAULT_LOG));
    Path down = log.resolveSibling(log.getFileName() + ".daemon-down");
    SocketChannel ch;
    try {
      ch = SocketChannel.open(UnixDomainSocketAddress.of(socket));
    } catch (IOException e) {
      System.exit(fallback(args, env, socket, log, down, e));
      return;
    }
    if (Files.exists(down)) {
      Files.deleteIfExists(down);
    }
    System.exit(send(ch, args, env));
  }

  private static int send(SocketChannel ch, String[] args, Map<String, String> env) throws IOException {
    Map<String, String> carried = new TreeMap<>();
    env.forEach((k, v) -> {
      if (Wire.carried(k)) {
        carried.put(k, v);
      }
    });
    byte[] stdin = readStdin(System.in);
    List<String> argv = List.of(args).subList(1, args.length);
    try (ch) {
      OutputStream out = Channels.newOutputStream(ch);
      Wire.writeRequest(out, new Wire.Request(args[0], argv, carried, stdin));
      ch.shutdownOutput();
      return Wire.relay(Channels.newInputStream(ch), new FileOutputStream(FileDescriptor.out),
          new FileOutputStream(FileDescriptor.err));
    }
  }

  /** Reads stdin unless it is a terminal; more than the driver takes is sent anyway and refused there. */
  private static byte[] readStdin(InputStream in) throws IOException {
    return System.console() != null ? new byte[0] : in.readNBytes(Wire.MAX_STDIN + 1);
  }

  /** Runs the CLI with this process's streams; logs the fallback once per outage. */
  private static int fallback(String[] args, Map<String, String> env, Path socket, Path log, Path down,
      IOException why) throws IOException, InterruptedException {
    try {
      if (!Files.exists(down)) {
        Files.createDirectories(log.getParent());
        Files.createFile(down);
        Files.writeString(log, Instant.now() + " kvm-sriov client: no daemon at " + socket + " (" + why
            + "); running kvm-sriov in-process until it is back\n", StandardCharsets.UTF_8,
            StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      }
    } catch (IOException e) {
      // a log we cannot write must not fail the call; the marker's race (two at once) logs twice at worst
    }
    return cli(args, env);
  }

  /** Runs {@code kvm-sriov ARGS…} with this process's streams. */
  private static int cli(String[] args, Map<String, String> env) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(env.getOrDefault("KVM_SRIOV_CLI", "kvm-sriov")));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).inheritIO().start().waitFor();
  }
}
