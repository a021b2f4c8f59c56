package org.kvmsriov.ledger;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
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
import org.kvmsriov.io.IoErrors;
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

  /**
   * What a command may do with the ledger directory. A directory that cannot be read is an error
   * in every case: reading it as "no leases" would advertise leased VFs as free.
   */
  public enum Access {
    /** Create the directory (mode 0750) on first open and commit; a missing one reads as empty. */
    WRITE,
    /**
     * Read only, creating nothing, not even the lock file (a dry run): a session takes a shared
     * lock when the lock file exists and cannot commit; a missing directory reads as empty, as
     * the ledger a {@link #WRITE} command would create.
     */
    DRY_RUN,
    /** Read only, for reports: a missing directory is an error (a mistyped --ledger-dir). */
    REPORT
  }

  private final Path dir;
  private final Access access;
  private final WriteObserver observer;
  private final Semaphore inProcess = new Semaphore(1, true);

  /** A ledger in {@code dir}, created (mode 0750) on first open. */
  public FileLedger(Path dir) {
    this(dir, Access.WRITE, WriteObserver.NONE);
  }

  /** A ledger in {@code dir} used as {@code access} says. */
  public FileLedger(Path dir, Access access) {
    this(dir, access, WriteObserver.NONE);
  }

  /** As {@link #FileLedger(Path)}, telling {@code observer} of each write step. */
  public FileLedger(Path dir, WriteObserver observer) {
    this(dir, Access.WRITE, observer);
  }

  private FileLedger(Path dir, Access access, WriteObserver observer) {
    this.dir = Objects.requireNonNull(dir, "dir");
    this.access = Objects.requireNonNull(access, "access");
    this.observer = Objects.requireNonNull(observer, "observer");
  }

  /** The directory this ledger lives in. */
  public Path directory() {
    return dir;
  }

  @Override
  public LedgerSession open(Duration lockTimeout) {
    long deadline = System.nanoTime() + lockTimeout.toNanos();
    boolean present = directoryPresent();
    if (!present && access == Access.WRITE) {
      ensureDirectory();
      present = true;
    } else if (!present && access == Access.REPORT) {
      throw missingDirectory();
    }
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
      if (access == Access.WRITE) {
        channel = openLockFile();
        lock = lockBy(channel, deadline, lockTimeout);
        removeLeftoverTemps();
      } else if (present) {
        channel = openLockFileToRead();
        lock = channel == null ? null : lockBy(channel, deadline, lockTimeout);
      }
      LedgerState state = present ? read() : LedgerState.empty();
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
    if (!directoryPresent()) {
      if (access == Access.REPORT) {
        throw missingDirectory();
      }
      return LedgerState.empty();
    }
    return read();
  }

  /**
   * True when the directory exists, false when nothing is there.
   *
   * @throws LedgerException when it cannot be looked at (permission denied, I/O error, a path
   *     through a file) or is not a directory
   */
  private boolean directoryPresent() {
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(dir, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      return false;
    } catch (IOException e) {
      throw new LedgerException("cannot read ledger directory " + dir + ": " + IoErrors.reason(e), e);
    }
    if (!a.isDirectory()) {
      throw new LedgerException("ledger directory " + dir + " is not a directory");
    }
    return true;
  }

  private LedgerException missingDirectory() {
    return new LedgerException("ledger directory " + dir + " does not exist (is --ledger-dir or"
        + " KVM_SRIOV_LEDGER_DIR right? it is created by the first deploy or reconcile pass)");
  }

  private void ensureDirectory() {
    try {
      Files.createDirectories(dir.toAbsolutePath().getParent());
      Files.createDirectory(dir);
      Files.setPosixFilePermissions(dir, DIR_MODE); // umask may have narrowed or widened it
    } catch (FileAlreadyExistsException e) {
      if (!Files.isDirectory(dir)) {
        throw new LedgerException("ledger directory " + dir + " is not a directory", e);
      }
    } catch (IOException e) {
      throw new LedgerException("cannot create ledger directory " + dir + ": " + IoErrors.reason(e), e);
    } catch (UnsupportedOperationException e) {
      throw new LedgerException("cannot create ledger directory " + dir + ": the file system has no POSIX modes", e);
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
      throw new LedgerException("cannot open ledger lock file " + f + ": " + IoErrors.reason(e), e);
    }
  }

  /** The lock file opened for a shared lock, or null when no writer ever made one. */
  private FileChannel openLockFileToRead() {
    Path f = dir.resolve(LOCK);
    try {
      return FileChannel.open(f, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      throw new LedgerException("cannot open ledger lock file " + f + ": " + IoErrors.reason(e), e);
    }
  }

  /** Polls for the OS lock with a short, growing backoff until the deadline. */
  private FileLock lockBy(FileChannel channel, long deadline, Duration timeout) {
    long backoff = TimeUnit.MILLISECONDS.toNanos(1);
    while (true) {
      try {
        FileLock l = channel.tryLock(0L, Long.MAX_VALUE, access != Access.WRITE);
        if (l != null) {
          return l;
        }
      } catch (OverlappingFileLockException e) {
        // another FileLedger of this JVM holds it: as busy as another process holding it
      } catch (IOException e) {
        throw new LedgerException("cannot lock " + dir.resolve(LOCK) + ": " + IoErrors.reason(e), e);
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
      throw new LedgerException("cannot remove a leftover temporary file in " + dir + ": " + IoErrors.reason(e), e);
    }
  }

  private LedgerState read() {
    Path f = dir.resolve(FILE);
    try {
      // only "no such file" is a fresh ledger: Files.exists would say false on EACCES too
      BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (!a.isRegularFile()) {
        throw new InvalidInputException("ledger " + f + " is not a regular file (the file was left as it is)");
      }
      if (a.size() > MAX_BYTES) {
        throw new InvalidInputException("ledger " + f + " is larger than " + MAX_BYTES
            + " bytes (the file was left as it is; fix it or move it aside)");
      }
      return LedgerCodec.decode(f.toString(), Files.readAllBytes(f));
    } catch (NoSuchFileException e) {
      return LedgerState.empty();
    } catch (IOException e) {
      throw new LedgerException("cannot read ledger " + f + ": " + IoErrors.reason(e), e);
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
      if (access != Access.WRITE) {
        throw new IllegalStateException("this ledger session is read-only (" + access + ")");
      }
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
            + IoErrors.reason(e), e);
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
        if (lock != null) {
          lock.release();
        }
      } catch (IOException e) {
        // closing the channel below drops the lock anyway
      } finally {
        closeQuietly(channel);
        inProcess.release();
      }
    }
  }
}
