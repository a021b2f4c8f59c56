package org.kvmsriov.port;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Who took a lease, so that a {@link LeaseState#RESERVED} lease whose taker died is recognisable.
 *
 * <pre>
 * LeaseOwner = Process(pid, startTime?, bootId)   a kvm-sriov process on this host
 *            | Imported(source)                   adopted from the add-on's lock folder
 * </pre>
 *
 * A pid alone is reused by the kernel; (pid, start time, boot id) names one process for ever.
 */
public sealed interface LeaseOwner permits LeaseOwner.Process, LeaseOwner.Imported {

  <R> R accept(Visitor<R> v);

  /** One method per kind and no defaults, so a new kind breaks the build until handled. */
  interface Visitor<R> {
    R process(Process p);

    R imported(Imported i);
  }

  /**
   * A kvm-sriov process.
   *
   * @param pid its process id
   * @param startTime when it started, as the JVM reports it (empty where the OS does not say)
   * @param bootId the kernel's {@code /proc/sys/kernel/random/boot_id} at the time; a lease of an
   *     earlier boot has no live owner whatever its pid
   */
  record Process(long pid, Optional<Instant> startTime, String bootId) implements LeaseOwner {
    public Process {
      if (pid <= 0) {
        throw new IllegalArgumentException("owner pid " + pid + " is not a process id");
      }
      Objects.requireNonNull(startTime, "startTime");
      if (bootId == null || !bootId.matches("[0-9a-f-]{1,64}|unknown")) {
        throw new IllegalArgumentException("owner boot id '" + bootId + "' is not a kernel boot id");
      }
    }

    @Override
    public <R> R accept(Visitor<R> v) {
      return v.process(this);
    }
  }

  /**
   * Taken over from the OpenNebula add-on; no process of ours ever held it.
   *
   * @param source the add-on's lock file it came from
   */
  record Imported(String source) implements LeaseOwner {
    public Imported {
      if (source == null || source.isEmpty() || source.length() > 4096
          || source.chars().anyMatch(Character::isISOControl)) {
        throw new IllegalArgumentException("imported lease source must be a non-empty printable path");
      }
    }

    @Override
    public <R> R accept(Visitor<R> v) {
      return v.imported(this);
    }
  }
}
