package org.kvmsriov.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvmsriov.client.Wire;

/**
 * The socket's own rules, with a handler standing in for the driver service: calls of the same VM
 * never overlap while others run beside them; a request in another protocol version is refused
 * before any handler runs.
 */
class DriverSocketTest {

  @TempDir Path dir;

  final List<String> events = new CopyOnWriteArrayList<>();
  final CountDownLatch releaseFirst = new CountDownLatch(1);
  final CountDownLatch firstEntered = new CountDownLatch(1);

  final DriverSocket.Handler handler = new DriverSocket.Handler() {
    @Override
    public Optional<String> key(Wire.Request r) {
      return Optional.of(r.argv().get(0));
    }

    @Override
    public int handle(Wire.Request r, InputStream stdin, OutputStream stdout, OutputStream stderr) {
      String name = r.argv().get(1);
      events.add("enter " + name);
      try {
        if (name.equals("first")) {
          firstEntered.countDown();
          assertThat(releaseFirst.await(60, TimeUnit.SECONDS)).isTrue();
        }
        stdout.write((name + " " + new String(stdin.readAllBytes(), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
        stderr.write("to stderr\n".getBytes(StandardCharsets.UTF_8));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      events.add("leave " + name);
      return 7;
    }
  };

  record Answer(int code, String out, String err) {}

  Answer call(Path socket, byte[] request) throws Exception {
    try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      Channels.newOutputStream(ch).write(request);
      ch.shutdownOutput();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      int code = Wire.relay(Channels.newInputStream(ch), out, err);
      return new Answer(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
  }

  static byte[] request(String vm, String name) throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    Wire.writeRequest(b, new Wire.Request("driver", List.of(vm, name), Map.of("LANG", "C"),
        "stdin".getBytes(StandardCharsets.UTF_8)));
    return b.toByteArray();
  }

  @Test
  void callsOfOneVmRunOneAtATimeOthersBesideThem() throws Exception {
    Path socket = dir.resolve("s.sock");
    try (DriverSocket s = new DriverSocket(socket, "oneadmin", "root", handler, new PrintWriter(new StringWriter()))) {
      CompletableFuture<Answer> first = CompletableFuture.supplyAsync(() -> quietly(socket, "vm1", "first"));
      assertThat(firstEntered.await(60, TimeUnit.SECONDS)).isTrue();
      CompletableFuture<Answer> same = CompletableFuture.supplyAsync(() -> quietly(socket, "vm1", "same"));
      // another VM's call is served while vm1's first one is still running
      assertThat(call(socket, request("vm2", "other"))).isEqualTo(new Answer(7, "other stdin", "to stderr\n"));
      assertThat(same).isNotDone();
      releaseFirst.countDown();
      assertThat(first.get(60, TimeUnit.SECONDS)).isEqualTo(new Answer(7, "first stdin", "to stderr\n"));
      assertThat(same.get(60, TimeUnit.SECONDS)).isEqualTo(new Answer(7, "same stdin", "to stderr\n"));
      assertThat(events.indexOf("enter same")).isGreaterThan(events.indexOf("leave first"));
    }
    assertThat(socket).doesNotExist();
  }

  @Test
  void anotherProtocolVersionIsRefusedBeforeAnyHandlerRuns() throws Exception {
    Path socket = dir.resolve("s.sock");
    try (DriverSocket s = new DriverSocket(socket, "oneadmin", "root", handler, new PrintWriter(new StringWriter()))) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      new DataOutputStream(b).writeInt(2);
      assertThat(call(socket, b.toByteArray())).isEqualTo(new Answer(DriverSocket.REFUSED, "",
          "kvm-sriov daemon: bad request: protocol version 2 is not spoken here (this side speaks 1)\n"));
      assertThat(events).isEmpty();
    }
  }

  private Answer quietly(Path socket, String vm, String name) {
    try {
      return call(socket, request(vm, name));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
