package org.kvmsriov.adapters.opensm;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.kvmsriov.model.Guid;
import org.kvmsriov.model.Pkey;
import org.kvmsriov.model.SubnetManagerSpec;
import org.kvmsriov.port.Membership;
import org.kvmsriov.port.PartitionMember;
import org.kvmsriov.port.SubnetManager;
import org.kvmsriov.port.SubnetManagerException;

/**
 * {@link SubnetManager} for OpenSM: edits its partitions.conf on the SM's host and sends OpenSM
 * SIGHUP, on which it re-reads the file and sweeps the fabric (the partition of a port is in its
 * pkey table when the sweep ends).
 *
 * <p>A change holds {@code flock} on {@code <file>.kvmsriov.lock} on the SM's host (the kvm-sriov
 * of every host of the fabric takes that lock) from the read to the write; the new text goes to
 * a temporary file with the old one's mode and owner, is flushed and renamed over the old one.
 * If someone edited the file by hand meanwhile, the edit is made again on what is there now. The
 * file is read as ISO-8859-1, one char per byte, so every byte the operator wrote goes back
 * unchanged.
 */
public final class OpenSmSubnetManager implements SubnetManager {

  static final int CONFLICT = 75;
  static final int NO_FILE = 66;
  static final int LOCK_TIMEOUT = 73;
  static final int RELOAD_FAILED = 74;
  private static final int ATTEMPTS = 5;
  private static final byte[] KEEP = "keep\n".getBytes(StandardCharsets.US_ASCII);

  /** Prints $1 framed: its size on one line, then its bytes (both from one open of the file). */
  private static final String READ = """
      [ -f "$1" ] || exit 66
      exec 3< "$1" && wc -c < /dev/fd/3 && exec cat /dev/fd/3
      """;

  /**
   * $1 file, $2 reload: none|pkill|pidfile, $3 pid file. Under the lock, prints the file framed
   * as {@link #READ} does, then reads "keep" or "write" and the new text from its input.
   */
  private static final String EDIT = """
      set -u
      f=$1; tmp="$f.kvmsriov.tmp"
      exec 9>>"$f.kvmsriov.lock" || exit 73
      flock -w 20 9 || exit 73
      [ -f "$f" ] || exit 66
      exec 3< "$f" && wc -c < /dev/fd/3 && cat /dev/fd/3 || exit 1
      IFS= read -r verdict || exit 1
      [ "$verdict" = write ] || exit 0
      cat > "$tmp" || { rm -f "$tmp"; exit 1; }
      # an editor outside kvm-sriov takes no lock: if it wrote meanwhile, start again
      cmp -s /dev/fd/3 "$f" || { rm -f "$tmp"; exit 75; }
      chmod --reference="$f" "$tmp" && { chown --reference="$f" "$tmp" 2>/dev/null || :; } \\
        && sync "$tmp" && mv -f "$tmp" "$f" && sync "$(dirname "$f")" || { rm -f "$tmp"; exit 1; }
      case $2 in
        pkill) pkill -HUP -x opensm || { echo "no process named opensm" >&2; exit 74; } ;;
        pidfile) kill -HUP "$(cat "$3")" || { echo "cannot signal the pid in $3" >&2; exit 74; } ;;
      esac
      """;

  private final SubnetManagerSpec.OpenSm spec;
  private final SmShell shell;

  public OpenSmSubnetManager(SubnetManagerSpec.OpenSm spec, Duration timeout) {
    this(spec, new SmShell(spec.host(), timeout));
  }

  OpenSmSubnetManager(SubnetManagerSpec.OpenSm spec, SmShell shell) {
    this.spec = spec;
    this.shell = shell;
  }

  @Override
  public String name() {
    return spec.name();
  }

  @Override
  public List<PartitionMember> observe(Predicate<Guid> ours) {
    return conf(read()).members(ours);
  }

  @Override
  public void add(Pkey partition, Guid guid, Membership membership) {
    change(c -> c.withMember(partition, guid, membership));
  }

  @Override
  public Removal remove(Pkey partition, Guid guid) {
    Pkey key = partition.withoutMembership();
    if (change(c -> c.withoutMember(key, guid))) {
      return Removal.REMOVED;
    }
    boolean listedByHand = conf(read()).members(Set.of(guid)).stream()
        .anyMatch(m -> m.partition().equals(key) && !m.managed());
    return listedByHand ? Removal.KEPT : Removal.ABSENT;
  }

  /** Applies {@code edit} to the file as it is now, under the lock; false when that changes nothing. */
  private boolean change(UnaryOperator<PartitionsConf> edit) {
    String reload = switch (spec.reload()) {
      case NONE -> "none";
      case HUP -> spec.pidFile().isPresent() ? "pidfile" : "pkill";
    };
    List<String> args = List.of(file(), reload, spec.pidFile().map(Object::toString).orElse(""));
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      boolean[] changed = {false};
      SmShell.Result r = shell.edit(EDIT, args, current -> {
        String text = new String(current, StandardCharsets.ISO_8859_1);
        String next = edit.apply(conf(text)).text();
        changed[0] = !next.equals(text);
        return changed[0] ? ("write\n" + next).getBytes(StandardCharsets.ISO_8859_1) : KEEP;
      });
      switch (r.exit()) {
        case 0 -> {
          return changed[0];
        }
        case CONFLICT -> {
          // edited by hand since we read it: make the edit again on what is there now
        }
        case RELOAD_FAILED -> throw new SubnetManagerException(file() + " on " + shell.where()
            + " is changed, but OpenSM was not told to re-read it: " + r.err());
        case LOCK_TIMEOUT -> throw new SubnetManagerException("cannot lock " + file() + ".kvmsriov.lock on "
            + shell.where() + " within 20 s (another kvm-sriov holds it)");
        default -> throw failure(r, "edit");
      }
    }
    throw new SubnetManagerException(file() + " on " + shell.where() + " changed under every one of "
        + ATTEMPTS + " attempts to edit it");
  }

  private String read() {
    SmShell.Result r = shell.edit(READ, List.of(file()), current -> new byte[0]);
    if (r.exit() != 0) {
      throw failure(r, "read");
    }
    return new String(r.out(), StandardCharsets.ISO_8859_1);
  }

  private PartitionsConf conf(String text) {
    try {
      return PartitionsConf.parse(text);
    } catch (PartitionsConfException e) {
      throw new SubnetManagerException(file() + " on " + shell.where() + ", " + e.getMessage()
          + "; kvm-sriov edits only a file OpenSM reads without errors", e);
    }
  }

  private SubnetManagerException failure(SmShell.Result r, String what) {
    if (r.exit() == NO_FILE) {
      return new SubnetManagerException(file() + " does not exist on " + shell.where() + "; kvm-sriov only"
          + " edits an existing partitions file (without one, OpenSM makes every port a full member of"
          + " the default partition)");
    }
    return new SubnetManagerException("cannot " + what + " " + file() + " on " + shell.where() + " (exit "
        + r.exit() + ")" + (r.err().isEmpty() ? "" : ": " + r.err()));
  }

  private String file() {
    return spec.partitionsFile().toString();
  }
}
