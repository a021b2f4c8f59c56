package org.kvmsriov.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import org.kvmsriov.io.IoErrors;

/**
 * A file a command writes for the operator (metrics, an imported host.yaml), replaced whole: the
 * text goes to a temporary file beside it, is synced and renamed over the old one, so a reader
 * sees the old file or the new one, and a failure leaves the old one as it was. The new file
 * keeps the old one's mode (0644 when there was none).
 */
final class OutputFile {

  private OutputFile() {}

  /** @param what names the file in the message of a failure ("metrics", "host.yaml") */
  static void replace(Path file, String text, String what) {
    Path dir = file.toAbsolutePath().getParent();
    Path tmp = null;
    try {
      tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
      Files.setPosixFilePermissions(tmp, Files.exists(file)
          ? Files.getPosixFilePermissions(file) : PosixFilePermissions.fromString("rw-r--r--"));
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        var buf = StandardCharsets.UTF_8.encode(text);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      tmp = null;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + what + " to " + file + " (" + IoErrors.reason(e)
          + "); " + (Files.exists(file, LinkOption.NOFOLLOW_LINKS) ? "the old file is as it was" : "nothing written"), e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException e) {
          // a leftover .tmp beside the file is harmless; the failure is already reported
        }
      }
    }
  }
}
