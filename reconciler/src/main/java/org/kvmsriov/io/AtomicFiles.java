package org.kvmsriov.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The one way kvm-sriov replaces a file (the ledger, deployment files, stored templates,
 * metrics): a temporary file beside it, written and fsync'ed, renamed over it, the directory
 * fsync'ed. A reader sees the old file or the new one, never half of one, and a crash after the
 * rename keeps the new one.
 */
public final class AtomicFiles {

  /** The steps of a write, in order: a crash before {@link #RENAMED} leaves the old file. */
  public enum Step {
    TEMP_CREATED, TEMP_WRITTEN, TEMP_SYNCED, RENAMED, DIRECTORY_SYNCED
  }

  /** The file was replaced, but its directory entry may not be on disk yet. */
  public static final class DirectoryNotSynced extends IOException {
    DirectoryNotSynced(Path dir, IOException cause) {
      super("its directory " + dir + " could not be synced: " + cause.getMessage(), cause);
    }
  }

  /** Owner read and write only (the ledger, templates). */
  public static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rw-------");

  /** World-readable (deployment files libvirt reads, metrics node_exporter reads). */
  public static final Set<PosixFilePermission> READABLE = PosixFilePermissions.fromString("rw-r--r--");

  private AtomicFiles() {}

  /** Replaces {@code file} with {@code bytes}, readable by everyone. */
  public static void write(Path file, byte[] bytes) throws IOException {
    write(file, bytes, READABLE, step -> { });
  }

  /**
   * Replaces {@code file} with {@code bytes}.
   *
   * @param mode the new file's permissions
   * @param steps told each step as it is reached (crash tests stop the process there)
   * @throws DirectoryNotSynced when only the final directory sync failed (the file was replaced)
   */
  public static void write(Path file, byte[] bytes, Set<PosixFilePermission> mode, Consumer<Step> steps)
      throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Path temp = Files.createTempFile(dir, tempPrefix(file), TEMP_SUFFIX);
    try {
      steps.accept(Step.TEMP_CREATED);
      // set explicitly: createTempFile's mode is filtered by the umask
      Files.setPosixFilePermissions(temp, mode);
      try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
          out.write(buf);
        }
        steps.accept(Step.TEMP_WRITTEN);
        out.force(true);
      }
      steps.accept(Step.TEMP_SYNCED);
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      temp = null;
    } finally {
      if (temp != null) {
        Files.deleteIfExists(temp);
      }
    }
    steps.accept(Step.RENAMED);
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      throw new DirectoryNotSynced(dir, e);
    }
    steps.accept(Step.DIRECTORY_SYNCED);
  }

  /** {@code <name>.}: a temporary file {@link #write} leaves when killed before its rename is {@code <name>.*.tmp}. */
  public static String tempPrefix(Path file) {
    return file.getFileName() + ".";
  }

  public static final String TEMP_SUFFIX = ".tmp";
}
