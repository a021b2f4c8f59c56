package org.kvmsriov.testsupport;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Starts a main class of the test classpath in a separate JVM, the way a second kvm-sriov process would run. */
public final class Jvm {
  private Jvm() {}

  /** Small and quick: these children do a few file operations each, on a shared 2-core box. */
  public static final List<String> FLAGS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto",
      "-Xmx64m");

  public static Process start(Class<?> main, String... args) throws IOException {
    List<String> cmd = command(main.getName());
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectErrorStream(true).start();
  }

  /** The java command line that runs {@code mainClass} with the test classpath, before its arguments. */
  public static List<String> command(String mainClass) {
    List<String> cmd = new ArrayList<>(List.of(java()));
    cmd.addAll(FLAGS);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
    return cmd;
  }

  /** This JVM's java launcher. */
  public static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
