package org.kvmsriov.ledger;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.kvmsriov.config.InvalidInputException;
import org.kvmsriov.io.AtomicFiles;
import org.kvmsriov.port.Ledger;
import org.kvmsriov.port.LedgerException;
import org.kvmsriov.port.LedgerSession;
import org.kvmsriov.port.LedgerState;

/**
 * The ledger as files in one directory; see the package description for the layout and the
 * write protocol. Safe for many processes (an OS file lock) and for many threads of one process
 * (a semaphore, as the JVM refuses a second lock of the same file).
 */
public final class FileLedger implements Ledger {

  /** The state file. */
  public static final String FILE = "leases.json";
  /** The file whose OS lock makes a session exclusive. */
  public static final String LOCK = "lock";
  /** Refuse before reading anything this large: a real ledger is a few KiB per VF. */
  static final long MAX_BYTES = 16L << 20;

  private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwxr-x---");
  private static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-r-----");
  private static final long MAX_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private final Path dir;
  private final WriteObserver observer;
  private final Semaphore inProcess = new Semaphore(1, true);

  /** A ledger in {@code dir}, created (mode 0750) on first open. */
  public FileLedger(Path dir) {
    this(dir, WriteObserver.NONE);
  }

  /** As {@link #FileLedger(Path)}, telling {@code observer} of each write step. */
  public FileLedger(Path dir, WriteObserver observer) {
    this.dir = Objects.requireNonNull(dir, "dir");
    this.observer = Objects.requireNonNull(observer, "observer");
  }

  /** The directory this ledger lives in. */
  public Path directory() {
    return dir;
  }

  @Override
  public LedgerSession open(Duration lockTimeout) {
    long deadline = System.nanoTime() + lockTimeout.toNanos();
    ensureDirectory();
    try {
      if (!inProcess.tryAcquire(lockTimeout.toNanos(), TimeUnit.NANOSECONDS)) {
        throw lockedFor(lockTimeout);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LedgerException("interrupted while waiting for the ledger lock in " + dir, e);
    }
    FileChannel channel = null;
    FileLock lock = null;
    try {
      channel = openLockFile();
      lock = lockBy(channel, deadline, lockTimeout);
      removeLeftoverTemps();
      LedgerState state = read();
      observer.reached(WriteStep.LOCKED);
      return new Session(channel, lock, state);
    } catch (RuntimeException e) {
      closeQuietly(channel); // also releases the lock
      inProcess.release();
      throw e;
    }
  }

  @Override
  public LedgerState snapshot() {
    if (!Files.isDirectory(dir)) {
      if (Files.exists(dir)) {
        throw new LedgerException("ledger directory " + dir + " is not a directory");
      }
      return LedgerState.empty();
    }
    return read();
  }

  private void ensureDirectory() {
    if (Files.isDirectory(dir)) {
      return;
    }
    try {
      Files.createDirectories(dir.toAbsolutePath().getParent());
      Files.createDirectory(dir);
      Files.setPosixFilePermissions(dir, DIR_MODE); // umask may have narrowed or widened it
    } catch (FileAlreadyExistsException e) {
      if (!Files.isDirectory(dir)) {
        throw new LedgerException("ledger directory " + dir + " is not a directory", e);
      }
    } catch (IOException | UnsupportedOperationException e) {
      throw new LedgerException("cannot create ledger directory " + dir + ": " + e.getMessage(), e);
    }
  }

  private FileChannel openLockFile() {
    Path f = dir.resolve(LOCK);
    try {
      try {
        return FileChannel.open(f, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
            PosixFilePermissions.asFileAttribute(FILE_MODE));
      } catch (FileAlreadyExistsException e) {
        return FileChannel.open(f, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
      }
    } catch (IOException e) {
      throw new LedgerException("cannot open ledger lock file " + f + ": " + e.getMessage(), e);
    }
  }

  /** Polls for the OS lock with a short, growing backoff until the deadline. */
  private FileLock lockBy(FileChannel channel, long deadline, Duration timeout) {
    long backoff = TimeUnit.MILLISECONDS.toNanos(1);
    while (true) {
      try {
        FileLock l = channel.tryLock();
        if (l != null) {
          return l;
        }
      } catch (OverlappingFileLockException e) {
        // another FileLedger of this JVM holds it: as busy as another process holding it
      } catch (IOException e) {
        throw new LedgerException("cannot lock " + dir.resolve(LOCK) + ": " + e.getMessage(), e);
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw lockedFor(timeout);
      }
      LockSupport.parkNanos(Math.min(backoff, left));
      if (Thread.interrupted()) {
        Thread.currentThread().interrupt();
        throw new LedgerException("interrupted while waiting for the ledger lock in " + dir);
      }
      backoff = Math.min(backoff * 2, MAX_BACKOFF_NANOS);
    }
  }

  private LedgerException lockedFor(Duration timeout) {
    return new LedgerException("ledger is locked by another kvm-sriov process for more than "
        + Math.max(1, (timeout.toMillis() + 999) / 1000) + "s (" + dir.resolve(LOCK) + ")");
  }

  /** Only called under the lock: no commit is in progress, so a temporary file is a crash's. */
  private void removeLeftoverTemps() {
    boolean removed = false;
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, AtomicFiles.tempPrefix(Path.of(FILE)) + "*" + AtomicFiles.TEMP_SUFFIX)) {
      for (Path p : s) {
        Files.deleteIfExists(p);
        removed = true;
      }
      if (removed) {
        syncDirectory();
      }
    } catch (IOException e) {
      throw new LedgerException("cannot remove a leftover temporary file in " + dir + ": " + e.getMessage(), e);
    }
  }

  private LedgerState read() {
    Path f = dir.resolve(FILE);
    try {
      if (!Files.exists(f, LinkOption.NOFOLLOW_LINKS)) {
        return LedgerState.empty();
      }
      if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
        throw new InvalidInputException("ledger " + f + " is not a regular file (the file was left as it is)");
      }
      if (Files.size(f) > MAX_BYTES) {
        throw new InvalidInputException("ledger " + f + " is larger than " + MAX_BYTES
            + " bytes (the file was left as it is; fix it or move it aside)");
      }
      return LedgerCodec.decode(f.toString(), Files.readAllBytes(f));
    } catch (NoSuchFileException e) {
      return LedgerState.empty(); // removed between the check and the read: a fresh ledger
    } catch (IOException e) {
      throw new LedgerException("cannot read ledger " + f + ": " + e.getMessage(), e);
    }
  }

  private void syncDirectory() throws IOException {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }

  private static void closeQuietly(FileChannel c) {
    if (c != null) {
      try {
        c.close();
      } catch (IOException e) {
        // closing a lock file cannot lose data; the OS drops the lock with the descriptor
      }
    }
  }

  /** One exclusive use; see {@link LedgerSession}. */
  private final class Session implements LedgerSession {
    private final FileChannel channel;
    private final FileLock lock;
    private LedgerState state;
    private boolean open = true;

    Session(FileChannel channel, FileLock lock, LedgerState state) {
      this.channel = channel;
      this.lock = lock;
      this.state = state;
    }

    @Override
    public LedgerState state() {
      checkOpen();
      return state;
    }

    @Override
    public void commit(LedgerState next) {
      checkOpen();
      Objects.requireNonNull(next, "next");
      byte[] bytes = LedgerCodec.encode(next);
      Path target = dir.resolve(FILE);
      try {
        AtomicFiles.write(target, bytes, FILE_MODE, step -> {
          if (step == AtomicFiles.Step.RENAMED) {
            state = next; // renamed: this is the state now, whatever the directory sync says
          }
          observer.reached(WriteStep.valueOf(step.name()));
        });
      } catch (AtomicFiles.DirectoryNotSynced e) {
        throw new LedgerException("ledger " + target + " was replaced but " + e.getMessage()
            + ", so a power cut could undo it", e);
      } catch (IOException e) {
        throw new LedgerException("cannot write ledger " + target + " (it still holds the previous state): "
            + e.getMessage(), e);
      }
    }

    private void checkOpen() {
      if (!open) {
        throw new IllegalStateException("ledger session is closed");
      }
    }

    @Override
    public void close() {
      if (!open) {
        return;
      }
      open = false;
      try {
        lock.release();
      } catch (IOException e) {
        // closing the channel below drops the lock anyway
      } finally {
        closeQuietly(channel);
        inProcess.release();
      }
    }
  }
}
