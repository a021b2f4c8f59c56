package org.kvmsriov.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.List;

/**
 * A child process that may not read what it does not own, and directories it may not read: how
 * a test shows what an operator without rights to the ledger sees. As root (CI), the child keeps
 * uid 0 but runs without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH ({@code setpriv}), and the
 * directory belongs to nobody with mode 0700; as another user, the directory gets mode 0000.
 */
public final class Unprivileged {

  private static final String NOBODY = "65534";

  private Unprivileged() {}

  public static boolean root() {
    try {
      return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Takes {@code dir} (and everything in it) away from the child; {@link #giveBack} undoes it. */
  public static void lockOut(Path dir) throws IOException {
    if (root()) {
      UserPrincipalLookupService users = dir.getFileSystem().getUserPrincipalLookupService();
      try (var s = Files.walk(dir)) {
        for (Path p : s.toList()) {
          Files.setOwner(p, users.lookupPrincipalByName(NOBODY));
        }
      }
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    } else {
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("---------"));
    }
  }

  /** Makes {@code dir} the test's own again, so it can be compared and cleaned up. */
  public static void giveBack(Path dir) throws IOException {
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-x---"));
  }

  /** {@code cmd} run as such a child. */
  public static List<String> command(List<String> cmd) {
    List<String> out = new ArrayList<>();
    if (root()) {
      out.addAll(List.of("setpriv", "--bounding-set=-dac_override,-dac_read_search",
          "--inh-caps=-dac_override,-dac_read_search", "--"));
    }
    out.addAll(cmd);
    return out;
  }
}
