package org.kvmsriov.remotes;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.kvmsriov.cli.Main;
import org.kvmsriov.testsupport.Jvm;

/**
 * The {@code kvm-sriov} the shims exec in the harness: a script like {@code bin/kvm-sriov}, over the
 * build's classes (surefire runs before {@code package} makes the jar). The classes are packed
 * into a jar so that one training deploy can record a class-data archive (AppCDS cannot archive
 * classes from directories): each of the harness's many JVM starts then spends about a third less
 * CPU. If the training fails, the launcher simply runs without the archive.
 */
final class CliLauncher {

  private CliLauncher() {}

  /** Writes {@code <dir>/kvm-sriov} (and its jar and archive) and returns its path. */
  static Path write(Path dir, Path projectRoot) throws IOException {
    Files.createDirectories(dir);
    Path jar = dir.resolve("kvm-sriov-classes.jar");
    pack(classesDir(), jar);
    List<String> cp = new ArrayList<>(List.of(jar.toString()));
    Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(e -> e.endsWith(".jar")).forEach(cp::add);
    List<String> java = new ArrayList<>(List.of(Jvm.java()));
    java.addAll(Jvm.FLAGS);
    java.add("-XX:-UsePerfData");
    Path archive = dir.resolve("kvm-sriov.jsa");
    if (train(java, cp, archive, dir.resolve("training"), projectRoot)) {
      java.add("-XX:SharedArchiveFile=" + archive);
    }
    java.addAll(List.of("-cp", String.join(File.pathSeparator, cp), Main.class.getName()));
    Path launcher = dir.resolve("kvm-sriov");
    Files.writeString(launcher, "#!/bin/sh\n# kvm-sriov over the build's classes (the test harness's)\nexec "
        + java.stream().map(RemotesHarnessTest::shQuote).collect(Collectors.joining(" ")) + " \"$@\"\n");
    Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
    return launcher;
  }

  private static Path classesDir() {
    try {
      return Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void pack(Path classes, Path jar) throws IOException {
    try (OutputStream f = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(f);
        Stream<Path> files = Files.walk(classes)) {
      for (Path p : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
        out.putNextEntry(new JarEntry(classes.relativize(p).toString().replace(File.separatorChar, '/')));
        Files.copy(p, out);
        out.closeEntry();
      }
    }
  }

  /**
   * One deploy on the demo world (examples/: host-generic.yaml, demo-sysfs; libvirt's
   * test:///default), recording the classes it loads.
   */
  private static boolean train(List<String> java, List<String> cp, Path archive, Path work, Path root) {
    try {
      Files.createDirectories(work);
      OneVm vm = OneVm.of(1, OneVm.Nic.sriov(0, "enp131s0f0", null));
      Path input = Files.writeString(work.resolve("deployment.in"), vm.deployment(OneVersion.V6_10, work.toString()),
          StandardCharsets.UTF_8);
      List<String> cmd = new ArrayList<>(java);
      cmd.addAll(List.of("-XX:ArchiveClassesAtExit=" + archive, "-cp", String.join(File.pathSeparator, cp),
          Main.class.getName(), "driver", "--state", root.resolve("examples/host-generic.yaml").toString(),
          "--ledger-dir", work.resolve("ledger").toString(), "--sysfs-root", root.resolve("examples/demo-sysfs").toString(),
          "--libvirt-uri", "test:///default", "deploy", work.resolve("1/deployment.0").toString(), OneVm.HOST, "1",
          OneVm.HOST));
      Process p = new ProcessBuilder(cmd).redirectInput(input.toFile())
          .redirectOutput(work.resolve("out").toFile()).redirectError(work.resolve("err").toFile()).start();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return false;
      }
      if (p.exitValue() != 0 || !Files.isRegularFile(archive)) {
        System.err.println("kvm-sriov launcher: no class-data archive (training exit " + p.exitValue() + "): "
            + Files.readString(work.resolve("err")));
        return false;
      }
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
