package org.kvmsriov.cli;

import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * picocli's output writers as the byte streams the driver service writes (its own lines and a
 * stock script's raw output): UTF-8 decoded as it arrives, a sequence split across writes kept
 * until it is whole.
 */
final class StreamWriterBridge extends OutputStream {

  private final PrintWriter writer;
  private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
  private final ByteBuffer pending = ByteBuffer.allocate(8192);
  private final CharBuffer chars = CharBuffer.allocate(8192);

  StreamWriterBridge(PrintWriter writer) {
    this.writer = writer;
  }

  @Override
  public void write(int b) {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public synchronized void write(byte[] b, int off, int len) {
    while (len > 0) {
      int n = Math.min(len, pending.remaining());
      pending.put(b, off, n);
      off += n;
      len -= n;
      drain(false);
    }
  }

  private void drain(boolean end) {
    pending.flip();
    while (true) {
      var result = decoder.decode(pending, chars, end);
      chars.flip();
      writer.append(chars);
      chars.clear();
      if (!result.isOverflow()) {
        break;
      }
    }
    pending.compact();
  }

  @Override
  public synchronized void flush() {
    writer.flush();
  }
}
