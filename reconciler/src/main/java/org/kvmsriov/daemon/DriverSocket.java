package org.kvmsriov.daemon;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.ReentrantLock;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.kvmsriov.client.Wire;

/**
 * The daemon's Unix socket: accepts {@link Wire} requests from root and the OpenNebula user only
 * (by the peer's credentials, whatever the socket's mode lets connect), hands each to the handler
 * on its own thread, and streams its output back as it is written. Requests the handler keys alike
 * (the same VM) run one at a time.
 */
public final class DriverSocket implements AutoCloseable {

  /** Serves one request; writes only to the streams it is given. */
  public interface Handler {
    /** @return the key of what the request touches (a VM); requests with equal keys never overlap */
    Optional<String> key(Wire.Request request);

    int handle(Wire.Request request, InputStream stdin, OutputStream stdout, OutputStream stderr);
  }

  /** Exit code of a request refused before it ran (peer not allowed, protocol error). */
  public static final int REFUSED = 2;

  private final Path path;
  private final String allowedUser;
  private final Handler handler;
  private final PrintWriter log;
  private final ServerSocketChannel server;
  private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "kvm-sriov-socket");
    t.setDaemon(true);
    return t;
  });
  private final ConcurrentHashMap<String, ReentrantLock> locks = new ConcurrentHashMap<>();
  private final Thread acceptor;

  /**
   * Binds {@code path} (a stale socket file is replaced), mode 0660, group {@code group} if the
   * system has it, and starts accepting.
   */
  public DriverSocket(Path path, String allowedUser, String group, Handler handler, PrintWriter log) throws IOException {
    this.path = path;
    this.allowedUser = allowedUser;
    this.handler = handler;
    this.log = log;
    Files.createDirectories(path.getParent());
    if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
        throw new IOException("another daemon serves " + path);
      } catch (IOException e) {
        if (e.getMessage() != null && e.getMessage().startsWith("another daemon")) {
          throw e;
        }
        Files.delete(path); // nobody listens: left by a daemon that died
      }
    }
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(path));
    // bound with the umask's mode for an instant: the peer check below is what authorises
    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw----"));
    try {
      GroupPrincipal g = path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group);
      Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setGroup(g);
    } catch (IOException e) {
      log.println("kvm-sriov daemon: socket " + path + " keeps its group: no group " + group + " (" + e.getMessage() + ")");
    }
    acceptor = new Thread(this::accept, "kvm-sriov-accept");
    acceptor.setDaemon(true);
    acceptor.start();
    log.println("kvm-sriov daemon: serving driver calls on " + path + " for root and " + allowedUser);
    log.flush();
  }

  private void accept() {
    while (server.isOpen()) {
      try {
        SocketChannel ch = server.accept();
        workers.execute(() -> serve(ch));
      } catch (IOException e) {
        if (server.isOpen()) {
          log.println("kvm-sriov daemon: accept failed: " + e.getMessage());
          log.flush();
        }
      }
    }
  }

  private void serve(SocketChannel ch) {
    try (ch) {
      OutputStream raw = Channels.newOutputStream(ch);
      UnixDomainPrincipal peer = ch.getOption(ExtendedSocketOptions.SO_PEERCRED);
      String user = peer.user().getName();
      Wire.Request req;
      try {
        // read whole even from a peer refused below: a socket closed on unread data resets the
        // connection, and the peer would see a broken pipe instead of why
        req = Wire.readRequest(Channels.newInputStream(ch));
      } catch (IOException e) {
        refuse(raw, "kvm-sriov daemon: bad request: " + e.getMessage() + "\n");
        return;
      }
      if (!user.equals("root") && !user.equals(allowedUser)) {
        refuse(raw, "kvm-sriov daemon: refused: user " + user + " is neither root nor " + allowedUser
            + "; run the action as one of them\n");
        return;
      }
      Optional<ReentrantLock> lock = handler.key(req).map(k -> locks.computeIfAbsent(k, x -> new ReentrantLock()));
      lock.ifPresent(ReentrantLock::lock);
      int code;
      try {
        code = handler.handle(req, new java.io.ByteArrayInputStream(req.stdin()), new FrameStream(raw, Wire.OUT),
            new FrameStream(raw, Wire.ERR));
      } finally {
        lock.ifPresent(ReentrantLock::unlock);
      }
      synchronized (raw) {
        Wire.exit(raw, code);
      }
    } catch (IOException e) {
      // the client went away: the call ran or did not, as it would have with a killed CLI
      log.println("kvm-sriov daemon: a request's connection failed: " + e.getMessage());
      log.flush();
    }
  }

  private static void refuse(OutputStream raw, String message) throws IOException {
    byte[] b = message.getBytes(StandardCharsets.UTF_8);
    Wire.frame(raw, Wire.ERR, b, 0, b.length);
    Wire.exit(raw, REFUSED);
  }

  /** One of the call's streams: each write a frame, written whole (stdout and stderr share the connection). */
  private static final class FrameStream extends OutputStream {
    private final OutputStream raw;
    private final byte type;

    FrameStream(OutputStream raw, byte type) {
      this.raw = raw;
      this.type = type;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (len > 0) {
        synchronized (raw) {
          Wire.frame(raw, type, b, off, len);
        }
      }
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    workers.shutdown();
    Files.deleteIfExists(path);
  }
}
