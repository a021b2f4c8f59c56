package org.kvmsriov.ledger;

import org.kvmsriov.port.Owners;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import org.kvmsriov.port.LeaseOwner;

/**
 * Names processes as lease owners and tells whether an owner still runs. A pid is reused by the
 * kernel, so an owner is (pid, start time, boot id); any mismatch means the owner is gone.
 */
public final class ProcessOwners implements Owners {

  private final Path procRoot;

  /**
   * @param root the directory under which {@code proc/sys/kernel/random/boot_id} is read ({@code /}
   *     on a host; a fixture directory in tests)
   */
  public ProcessOwners(Path root) {
    this.procRoot = root;
  }

  /** This process, as an owner: a CLI process serves one request. */
  @Override
  public LeaseOwner.Process current() {
    ProcessHandle self = ProcessHandle.current();
    return new LeaseOwner.Process(self.pid(), self.info().startInstant(), bootId());
  }

  /** The kernel's boot id, or {@code unknown} where the kernel does not publish one. */
  public String bootId() {
    Path f = procRoot.resolve("proc/sys/kernel/random/boot_id");
    try {
      String id = Files.readString(f, StandardCharsets.US_ASCII).trim().toLowerCase(Locale.ROOT);
      if (!id.matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")) {
        throw new IllegalStateException(f + ": '" + id + "' is not a boot id");
      }
      return id;
    } catch (NoSuchFileException e) {
      return "unknown";
    } catch (IOException e) {
      throw new IllegalStateException(f + ": cannot be read: " + e.getMessage(), e);
    }
  }

  /**
   * Whether {@code owner} still runs. Errs towards "alive" where the OS cannot tell (an unknown
   * boot id, a start time it does not report): a live owner's lease must never be taken away.
   */
  @Override
  public boolean alive(LeaseOwner owner) {
    return !(owner instanceof LeaseOwner.Process p) || isAlive(p);
  }

  public boolean isAlive(LeaseOwner.Process owner) {
    String boot = bootId();
    if (!boot.equals("unknown") && !owner.bootId().equals("unknown") && !boot.equals(owner.bootId())) {
      return false;
    }
    Optional<ProcessHandle> h = ProcessHandle.of(owner.pid());
    if (h.isEmpty() || !h.get().isAlive()) {
      return false;
    }
    return owner.startTime().isEmpty()
        || h.get().info().startInstant().map(owner.startTime().get()::equals).orElse(true);
  }
}
