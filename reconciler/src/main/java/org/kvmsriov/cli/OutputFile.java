package org.kvmsriov.cli;

import org.kvmsriov.io.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.kvmsriov.io.IoErrors;

/**
 * A file a command writes for the operator (metrics, an imported host.yaml), replaced whole
 * through {@link AtomicFiles}, so a reader sees the old file or the new one, and a failure leaves
 * the old one as it was. The new file
 * keeps the old one's mode (0644 when there was none).
 */
final class OutputFile {

  private OutputFile() {}

  /** @param what names the file in the message of a failure ("metrics", "host.yaml") */
  static void replace(Path file, String text, String what) {
    try {
      AtomicFiles.write(file, text.getBytes(StandardCharsets.UTF_8), Files.exists(file)
          ? Files.getPosixFilePermissions(file) : AtomicFiles.READABLE, step -> { });
    } catch (AtomicFiles.DirectoryNotSynced e) {
      throw new UncheckedIOException("wrote " + what + " to " + file + " but " + IoErrors.reason(e), e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + what + " to " + file + " (" + IoErrors.reason(e)
          + "); " + (Files.exists(file, LinkOption.NOFOLLOW_LINKS) ? "the old file is as it was" : "nothing written"), e);
    }
  }
}
