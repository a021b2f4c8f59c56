package org.kvmsriov.client;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The daemon socket's protocol, version 1. Every integer is a 32-bit big-endian signed int, every
 * string a length (bytes) followed by that many UTF-8 bytes.
 *
 * <pre>
 * request  = version(=1) kind argc argv* envc (name value)* stdinLength stdinBytes
 * kind     = "driver" | "vnm"                 the CLI command the call would run ("probe" is reserved)
 * argv     = what follows the command on the CLI's command line (ACTION ARGS…, STEP ARGS…)
 * env      = the caller's variables named KVM_SRIOV_*, LIBVIRT_URI, SUDO_USER, PATH, LANG
 *
 * response = frame* exit
 * frame    = 'O' length bytes                 a chunk of the call's stdout
 *          | 'E' length bytes                 a chunk of its stderr
 * exit     = 'X' 4 code                       the exit code; the last frame
 * </pre>
 *
 * The client sends the whole request and then shuts its side's output; the daemon streams frames
 * while the call runs. A request the daemon refuses (another version, a peer not allowed, bad
 * framing) is answered the same way: one 'E' frame saying why and an exit code. A new version
 * changes {@link #VERSION}; a daemon answers a version it does not speak with exit 2.
 */
public final class Wire {

  public static final int VERSION = 1;
  public static final byte OUT = 'O';
  public static final byte ERR = 'E';
  public static final byte EXIT = 'X';
  /** The driver's own bound on stdin; strings and counts are bounded so a bad peer cannot make us allocate much. */
  public static final int MAX_STDIN = 8 << 20;
  private static final int MAX_STRING = 1 << 20;
  private static final int MAX_COUNT = 4096;

  private Wire() {}

  /** One call as the client sends it. */
  public record Request(String kind, List<String> argv, Map<String, String> env, byte[] stdin) {
    public Request {
      argv = List.copyOf(argv);
      env = Map.copyOf(env);
    }
  }

  /** Whether the shims' environment carries {@code name} to the daemon. */
  public static boolean carried(String name) {
    return name.startsWith("KVM_SRIOV_") || name.equals("LIBVIRT_URI") || name.equals("SUDO_USER")
        || name.equals("PATH") || name.equals("LANG");
  }

  public static void writeRequest(OutputStream o, Request r) throws IOException {
    DataOutputStream out = new DataOutputStream(o);
    out.writeInt(VERSION);
    string(out, r.kind());
    out.writeInt(r.argv().size());
    for (String a : r.argv()) {
      string(out, a);
    }
    out.writeInt(r.env().size());
    for (Map.Entry<String, String> e : r.env().entrySet()) {
      string(out, e.getKey());
      string(out, e.getValue());
    }
    out.writeInt(r.stdin().length);
    out.write(r.stdin());
    out.flush();
  }

  /** A version this side does not speak. */
  public static final class VersionException extends IOException {
    public VersionException(int version) {
      super("protocol version " + version + " is not spoken here (this side speaks " + VERSION + ")");
    }
  }

  public static Request readRequest(InputStream i) throws IOException {
    DataInputStream in = new DataInputStream(i);
    int version = in.readInt();
    if (version != VERSION) {
      throw new VersionException(version);
    }
    String kind = string(in);
    int argc = count(in);
    List<String> argv = new ArrayList<>();
    for (int n = 0; n < argc; n++) {
      argv.add(string(in));
    }
    int envc = count(in);
    Map<String, String> env = new LinkedHashMap<>();
    for (int n = 0; n < envc; n++) {
      env.put(string(in), string(in));
    }
    return new Request(kind, argv, env, bytes(in, MAX_STDIN + 1)); // one more: the driver says what it takes
  }

  /** Writes one frame; callers sharing a stream synchronise on it. */
  public static void frame(OutputStream out, byte type, byte[] b, int off, int len) throws IOException {
    byte[] head = {type, (byte) (len >>> 24), (byte) (len >>> 16), (byte) (len >>> 8), (byte) len};
    out.write(head);
    out.write(b, off, len);
    out.flush();
  }

  public static void exit(OutputStream out, int code) throws IOException {
    frame(out, EXIT, new byte[] {(byte) (code >>> 24), (byte) (code >>> 16), (byte) (code >>> 8), (byte) code}, 0, 4);
  }

  /**
   * Copies the response's frames to {@code stdout} and {@code stderr} as they come.
   *
   * @return the exit code
   * @throws EOFException if the daemon closed the connection before the exit frame
   */
  public static int relay(InputStream i, OutputStream stdout, OutputStream stderr) throws IOException {
    DataInputStream in = new DataInputStream(i);
    while (true) {
      int type = in.readUnsignedByte();
      byte[] b = bytes(in, Integer.MAX_VALUE);
      if (type == EXIT && b.length == 4) {
        return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
      }
      OutputStream to = type == OUT ? stdout : type == ERR ? stderr : null;
      if (to == null) {
        throw new IOException("unknown frame type " + type);
      }
      to.write(b);
      to.flush();
    }
  }

  private static void string(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  private static String string(DataInputStream in) throws IOException {
    return new String(bytes(in, MAX_STRING), StandardCharsets.UTF_8);
  }

  private static int count(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > MAX_COUNT) {
      throw new IOException("a count of " + n + " is out of range");
    }
    return n;
  }

  private static byte[] bytes(DataInputStream in, int max) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > max) {
      throw new IOException("a length of " + n + " is out of range (at most " + max + ")");
    }
    ByteArrayOutputStream buf = new ByteArrayOutputStream(Math.min(n, 65536));
    byte[] chunk = new byte[Math.min(n, 65536)];
    int left = n;
    while (left > 0) {
      int r = in.read(chunk, 0, Math.min(left, chunk.length));
      if (r < 0) {
        throw new EOFException("the connection ended inside a frame");
      }
      buf.write(chunk, 0, r);
      left -= r;
    }
    return buf.toByteArray();
  }
}
