package org.kvmsriov.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.kvmsriov.port.Lease;
import org.kvmsriov.port.LedgerState;
import org.kvmsriov.testsupport.Jvm;

/** tldr: 16 processes race for 8 VFs; the OS lock lets exactly 8 win, each a different VF. */
class LedgerConcurrencyTest {

  @TempDir Path dir;
  final List<Process> children = new ArrayList<>();

  @AfterEach
  void killLeftovers() {
    children.forEach(Process::destroyForcibly);
  }

  @Test
  @Timeout(value = 300, unit = TimeUnit.SECONDS)
  void sixteenProcessesLeaseExactlyTheEightFreeVfsOnce() throws Exception {
    String vfs = IntStream.range(1, 9).mapToObj(f -> "0000:07:01." + (f - 1)).collect(Collectors.joining(","));
    List<BufferedReader> outs = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      Process p = Jvm.start(LedgerChild.class, "lease", dir.toString(), "ib0", vfs);
      children.add(p);
      outs.add(new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)));
    }
    // all 16 are started and waiting before any may go, so they really contend
    for (BufferedReader r : outs) {
      assertThat(r.readLine()).isEqualTo("ready");
    }
    for (Process p : children) {
      OutputStream in = p.getOutputStream();
      in.write("go\n".getBytes(StandardCharsets.UTF_8));
      in.flush();
    }
    List<String> leased = new ArrayList<>();
    List<String> refused = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      String line = outs.get(i).readLine();
      assertThat(children.get(i).waitFor(120, TimeUnit.SECONDS)).isTrue();
      if (line != null && line.startsWith("leased ")) {
        assertThat(children.get(i).exitValue()).isZero();
        leased.add(line.substring("leased ".length()));
      } else {
        assertThat(line).isEqualTo("refused: no free VF on ib0");
        assertThat(children.get(i).exitValue()).isEqualTo(3);
        refused.add(line);
      }
    }
    assertThat(leased).hasSize(8).doesNotHaveDuplicates();
    assertThat(refused).hasSize(8);

    LedgerState st = new FileLedger(dir).snapshot();
    assertThat(st.leases()).hasSize(8);
    assertThat(st.leases().values().stream().map(l -> l.vf().toString()))
        .containsExactlyInAnyOrderElementsOf(List.of(vfs.split(",")))
        .containsExactlyInAnyOrderElementsOf(leased);
    assertThat(st.leases().values().stream().map(Lease::domain).distinct()).hasSize(8);
  }
}
