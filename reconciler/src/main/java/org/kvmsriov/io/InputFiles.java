package org.kvmsriov.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.ByteBuffer;
import org.kvmsriov.config.InvalidInputException;

/**
 * Reads a file an operator or OpenNebula hands us (host.yaml, a VM template, the add-on's
 * files), refusing before it is opened anything that is not a regular file: {@code /dev/zero}
 * never ends, a FIFO blocks the open, a directory is no text. The size is checked, and only so
 * many bytes read, so a file that grows while read cannot exhaust memory either.
 */
public final class InputFiles {

  private InputFiles() {}

  /** A file refused before or while reading it; {@link #reason()} says why without the path. */
  public static final class Refused extends InvalidInputException {
    private final String reason;

    Refused(String what, Path file, String reason) {
      super(what + " " + file + " " + reason);
      this.reason = reason;
    }

    /** {@code is a directory, not a regular file; refused before reading it}, … */
    public String reason() {
      return reason;
    }
  }

  /**
   * The file's text, UTF-8.
   *
   * @param what names the input in messages ("host.yaml", "VM template")
   * @throws java.nio.file.NoSuchFileException when there is no such file (callers decide what
   *     absence means)
   * @throws Refused when it is not a regular file, is larger than {@code maxBytes} or is not
   *     UTF-8 text
   * @throws IOException when it cannot be read
   */
  public static String read(Path file, long maxBytes, String what) throws IOException {
    BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
    if (!a.isRegularFile()) {
      throw new Refused(what, file, "is " + kind(a) + ", not a regular file; refused before reading it");
    }
    if (a.size() > maxBytes) {
      throw tooLarge(file, maxBytes, what);
    }
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
    }
    if (bytes.length > maxBytes) {
      throw tooLarge(file, maxBytes, what);
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new Refused(what, file, "is not UTF-8 text");
    }
  }

  private static Refused tooLarge(Path file, long maxBytes, String what) {
    return new Refused(what, file, "is larger than " + maxBytes + " bytes; refused");
  }

  private static String kind(BasicFileAttributes a) {
    if (a.isDirectory()) {
      return "a directory";
    }
    return "a device, FIFO or socket";
  }
}
