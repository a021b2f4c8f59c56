package org.kvmsriov.legacy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.kvmsriov.config.InvalidInputException;
import org.kvmsriov.config.Problem;
import org.kvmsriov.model.HostState;
import org.kvmsriov.model.MacPrefix;
import org.kvmsriov.model.Mode;
import org.kvmsriov.model.OfedPort;
import org.kvmsriov.model.PciAddress;
import org.kvmsriov.model.PfName;
import org.kvmsriov.model.PfSpec;
import org.kvmsriov.model.SubnetManagerSpec;
import org.kvmsriov.model.VfReset;
import org.kvmsriov.model.VfSource;

/** Reads the add-on's {@code vf_maps/}, lock folder and {@code kvmrc} into a {@link HostState}. */
public final class LegacyImport {

  /** kvmrc keys that are the add-on's; any other export is stock OpenNebula and not ours. */
  static final Set<String> OURS =
      Set.of("VF_MAPS_PATH", "DUMMY_BRIDGE", "DUMMY_MAC_PREFIX", "DRIVER_MODE", "HPC_MODE",
          "CPU_PASSTHROUGH_THRESHOLD", "LIBVIRT_URI", "SM_HOST");

  /**
   * What the import found.
   *
   * @param host the equivalent desired state
   * @param locks VFs the add-on had marked as in use, in PF then index order
   * @param notes things the user should know (ignored kvmrc keys and the like)
   */
  public record Result(HostState host, List<LegacyLock> locks, List<String> notes) {}

  /** The name the add-on's SM_HOST gets under subnet_managers. */
  static final String LEGACY_SM = "opensm";

  private LegacyImport() {}

  /**
   * @param vfMaps the add-on's {@code vf_maps} directory
   * @param lockDir its lock folder ({@code /dev/shm/vf_interfaces}), or null
   * @param kvmrc its {@code kvmrc}, or null for the add-on's defaults
   * @param modeOverride a mode for every PF instead of kvmrc's DRIVER_MODE, or null
   */
  public static Result read(Path vfMaps, Path lockDir, Path kvmrc, String modeOverride) {
    List<Problem> problems = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    Map<String, String> rc = kvmrc == null ? Map.of() : LegacyFiles.kvmrc(kvmrc, problems);
    List<SubnetManagerSpec> sms = new ArrayList<>();
    String smHost = rc.get("SM_HOST");
    if (smHost != null && !smHost.isEmpty()) {
      if (SubnetManagerSpec.SSH_HOST.matcher(smHost).matches()) {
        // the add-on edited this file over ssh and ran pkill -HUP opensm there
        sms.add(new SubnetManagerSpec.OpenSm(LEGACY_SM, Path.of("/etc/opensm/partitions.conf"), Optional.of(smHost),
            SubnetManagerSpec.Reload.HUP, Optional.empty()));
        notes.add("kvmrc SM_HOST=" + smHost + ": subnet manager '" + LEGACY_SM + "' (its /etc/opensm/partitions.conf"
            + " over ssh), named by every mlnx_ofed2 PF");
      } else {
        problems.add(new Problem(String.valueOf(kvmrc), 0, 0, "SM_HOST '" + smHost
            + "' is not a host name (or user@host) ssh can reach"));
      }
    }
    rc.keySet().stream().filter(k -> !OURS.contains(k)).forEach(k ->
        notes.add("kvmrc " + k + " is a stock OpenNebula setting; left to OpenNebula's kvmrc"));

    String modeName = modeOverride != null ? modeOverride : rc.getOrDefault("DRIVER_MODE", "mlnx_ofed2");
    if (!Set.of("generic", "mlnx_ofed2", "ethernet").contains(modeName)) {
      problems.add(modeOverride != null
          ? new Problem("--mode", 0, 0, "'" + modeName + "' is not a mode: generic, mlnx_ofed2 or ethernet")
          : new Problem(String.valueOf(kvmrc), 0, 0, "DRIVER_MODE '" + modeName
              + "' is not generic, mlnx_ofed2 or ethernet"));
    }
    MacPrefix prefix = MacPrefix.DEFAULT;
    String rawPrefix = rc.getOrDefault("DUMMY_MAC_PREFIX", "aa").toLowerCase(Locale.ROOT);
    if (MacPrefix.problem(rawPrefix) != null) {
      problems.add(new Problem(String.valueOf(kvmrc), 0, 0, "DUMMY_MAC_PREFIX: " + MacPrefix.problem(rawPrefix)));
    } else {
      prefix = MacPrefix.parse(rawPrefix);
    }
    String hpcMode = rc.getOrDefault("HPC_MODE", "off");
    if (!hpcMode.equals("on") && !hpcMode.equals("off")) {
      problems.add(new Problem(String.valueOf(kvmrc), 0, 0, "HPC_MODE '" + hpcMode + "' is not on or off"));
    }

    TreeMap<PfName, List<PciAddress>> maps = new TreeMap<>();
    Map<PfName, OfedPort> ofeds = new TreeMap<>();
    for (Path f : list(vfMaps, problems)) {
      String name = f.getFileName().toString();
      boolean isOfed = name.endsWith("_ofed");
      String pf = isOfed ? name.substring(0, name.length() - "_ofed".length()) : name;
      if (PfName.problem(pf) != null || !Files.isRegularFile(f)) {
        problems.add(new Problem(f.toString(), 0, 0,
            "not a VF map: " + (Files.isRegularFile(f) ? PfName.problem(pf) : "not a regular file")));
        continue;
      }
      if (isOfed) {
        LegacyFiles.ofed(f, problems).ifPresent(o -> ofeds.put(new PfName(pf), o));
      } else {
        maps.put(new PfName(pf), LegacyFiles.vfMap(f, problems));
      }
    }
    if (maps.isEmpty() && problems.isEmpty()) {
      problems.add(new Problem(vfMaps.toString(), 0, 0, "no VF map files found"));
    }
    ofeds.keySet().stream().filter(pf -> !maps.containsKey(pf)).forEach(pf ->
        problems.add(new Problem(vfMaps.resolve(pf + "_ofed").toString(), 0, 0,
            "OFED settings for '" + pf + "', which has no VF map file")));

    int threshold = 1;
    String rawThreshold = rc.getOrDefault("CPU_PASSTHROUGH_THRESHOLD", "1");
    if (rawThreshold.matches("\\d{1,4}") && Integer.parseInt(rawThreshold) >= 1) {
      threshold = Integer.parseInt(rawThreshold);
    } else {
      problems.add(new Problem(String.valueOf(kvmrc), 0, 0,
          "CPU_PASSTHROUGH_THRESHOLD '" + rawThreshold + "' is not a positive number of vCPUs"));
    }
    List<PfSpec> pfs = new ArrayList<>();
    for (Map.Entry<PfName, List<PciAddress>> e : maps.entrySet()) {
      Mode mode = switch (modeName) {
        case "generic" -> new Mode.Generic();
        case "ethernet" -> new Mode.Ethernet();
        default -> {
          OfedPort o = ofeds.get(e.getKey());
          if (o == null) {
            problems.add(new Problem(vfMaps.resolve(e.getKey() + "_ofed").toString(), 0, 0,
                "missing: mlnx_ofed2 mode needs the device and port of '" + e.getKey() + "'"));
          }
          yield new Mode.MlnxOfed2(o);
        }
      };
      Optional<String> sm = mode instanceof Mode.MlnxOfed2 && !sms.isEmpty() ? Optional.of(LEGACY_SM) : Optional.empty();
      pfs.add(new PfSpec(e.getKey(), Optional.empty(), mode, new VfSource.Listed(e.getValue()), List.of(), sm,
          Optional.empty(), VfReset.NONE));
    }
    List<LegacyLock> locks = lockDir == null ? List.of() : locks(lockDir, maps, problems);
    if (!problems.isEmpty()) {
      throw new InvalidInputException(problems);
    }
    HostState host = new HostState(Optional.ofNullable(rc.get("LIBVIRT_URI")),
        new HostState.DriverSettings(rc.getOrDefault("DUMMY_BRIDGE", "sriov_dummy"), false, prefix,
            new HostState.Hpc(hpcMode.equals("on"), threshold)),
        new HostState.ReconcileSettings(Duration.ofSeconds(60), Duration.ofSeconds(300)), pfs, sms);
    return new Result(host, locks, notes);
  }

  private static List<LegacyLock> locks(Path lockDir, Map<PfName, List<PciAddress>> maps,
      List<Problem> problems) {
    List<LegacyLock> out = new ArrayList<>();
    for (Path sub : list(lockDir, problems)) {
      String name = sub.getFileName().toString();
      if (!Files.isDirectory(sub)) {
        continue; // the add-on's flock file ("lock") lives beside the PF folders
      }
      List<PciAddress> map = PfName.problem(name) == null ? maps.get(new PfName(name)) : null;
      if (map == null) {
        problems.add(new Problem(sub.toString(), 0, 0, "locks for '" + name + "', which has no VF map"));
        continue;
      }
      List<Path> files = new ArrayList<>(list(sub, problems));
      files.sort((a, b) -> compareNumeric(a.getFileName().toString(), b.getFileName().toString()));
      for (Path f : files) {
        String idx = f.getFileName().toString();
        if (!idx.matches("\\d{1,4}") || Integer.parseInt(idx) >= map.size()) {
          problems.add(new Problem(f.toString(), 0, 0, "lock '" + idx + "' names no line of the VF map of '"
              + name + "' (" + map.size() + " VFs)"));
          continue;
        }
        int i = Integer.parseInt(idx);
        out.add(new LegacyLock(new PfName(name), i, map.get(i), LegacyFiles.lockMac(f, problems)));
      }
    }
    return out;
  }

  private static int compareNumeric(String a, String b) {
    boolean an = a.matches("\\d{1,9}");
    boolean bn = b.matches("\\d{1,9}");
    return an && bn ? Integer.compare(Integer.parseInt(a), Integer.parseInt(b)) : a.compareTo(b);
  }

  private static List<Path> list(Path dir, List<Problem> problems) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.sorted().toList();
    } catch (IOException e) {
      problems.add(new Problem(dir.toString(), 0, 0, "cannot list directory: " + org.kvmsriov.io.IoErrors.reason(e)));
      return List.of();
    }
  }
}
