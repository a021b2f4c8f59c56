package org.kvmsriov.ledger;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CountDownLatch;
import org.kvmsriov.lease.LeaseAllocator;
import org.kvmsriov.lease.NoFreeVfException;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.PfName;
import org.kvmsriov.port.Lease;
import org.kvmsriov.port.LedgerSession;

/**
 * A separate JVM for the multi-process ledger tests (lock contention and crashes need real
 * processes: an OS file lock is per process, and SIGKILL must hit a whole process).
 *
 * <pre>
 * lease DIR PF VF,VF,...   print "ready", wait for a line on stdin, lease one free VF:
 *                          "leased VF" (exit 0) or "refused: MESSAGE" (exit 3)
 * crash DIR STEP DOMAIN    lease VF 0000:07:00.7 of ib0 to DOMAIN, printing "at step N" and
 *                          stopping for ever when the write reaches WriteStep STEP
 * </pre>
 */
public final class LedgerChild {

  private LedgerChild() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[1]);
    if (args[0].equals("lease")) {
      PfName pf = new PfName(args[2]);
      List<PciAddress> vfs = Arrays.stream(args[3].split(",")).map(PciAddress::parse).toList();
      System.out.println("ready");
      System.out.flush();
      new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
      ProcessOwners owners = new ProcessOwners(Path.of("/"));
      try (LedgerSession s = new FileLedger(dir).open(Duration.ofSeconds(120))) {
        LeaseAllocator.Slot slot = LeaseAllocator.pick(pf, vfs, s.state(), OptionalInt.empty(), vf -> OptionalInt.empty());
        s.commit(s.state().with(Lease.reserve(pf, slot.vf(), slot.index(), "child-" + ProcessHandle.current().pid(),
            OptionalInt.empty(), owners.current(), Instant.now())));
        System.out.println("leased " + slot.vf());
      } catch (NoFreeVfException e) {
        System.out.println("refused: " + e.getMessage());
        System.exit(3);
      }
    } else if (args[0].equals("crash")) {
      WriteStep stop = WriteStep.valueOf(args[2]);
      CountDownLatch never = new CountDownLatch(1);
      WriteObserver observer = step -> {
        if (step == stop) {
          System.out.println("at step " + step.ordinal());
          System.out.flush();
          try {
            never.await(); // the parent SIGKILLs us here
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      };
      try (LedgerSession s = new FileLedger(dir, observer).open(Duration.ofSeconds(60))) {
        s.commit(s.state().with(Lease.reserve(new PfName("ib0"), PciAddress.parse("0000:07:00.7"), 6, args[3],
            OptionalInt.of(7), new ProcessOwners(Path.of("/")).current(), Instant.now())));
      }
      System.out.println("done");
    } else {
      throw new IllegalArgumentException("unknown mode " + args[0]);
    }
  }
}
