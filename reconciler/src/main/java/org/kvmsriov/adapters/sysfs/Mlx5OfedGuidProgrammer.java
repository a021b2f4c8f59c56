package org.kvmsriov.adapters.sysfs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.regex.Pattern;
import org.kvmsriov.model.Guid;
import org.kvmsriov.port.GuidInterface;
import org.kvmsriov.port.GuidProgrammer;
import org.kvmsriov.port.IbVfState;
import org.kvmsriov.port.VfLinkPolicy;

/**
 * ConnectX-4+ VF GUIDs through MLNX_OFED's sysfs: {@code <PF>/sriov/<vf>/{node,port,policy}}.
 * {@code node} reads back the HCA's vport context at once; {@code port} shows the port GUID of
 * the VF's GID 0, i.e. what is in use ({@link IbVfState#operPortGuid}).
 */
final class Mlx5OfedGuidProgrammer implements GuidProgrammer {

  private static final Pattern COLONS = Pattern.compile("(?:[0-9a-f]{2}:){7}[0-9a-f]{2}");
  private static final Guid ZERO = new Guid(0L);

  private final SysfsWriter writer;
  private final Path sriov;

  Mlx5OfedGuidProgrammer(SysfsWriter writer, Path sriov) {
    this.writer = writer;
    this.sriov = sriov;
  }

  @Override
  public GuidInterface kind() {
    return GuidInterface.MLX5_OFED_SYSFS;
  }

  @Override
  public Optional<IbVfState> read(int vf) {
    Path dir = vfDir(vf);
    return Optional.of(new IbVfState(vf, Optional.of(guid(dir.resolve("node"))), Optional.empty(),
        Optional.of(guid(dir.resolve("port"))), Optional.of(policy(dir.resolve("policy")))));
  }

  @Override
  public Optional<IbVfState> program(int vf, Guid guid) {
    if (guid.isUnset()) {
      throw new IllegalArgumentException("GUID " + guid + " means 'unset'; refusing to program it on VF " + vf);
    }
    write(vf, guid, guid, Optional.of(VfLinkPolicy.FOLLOW));
    return read(vf);
  }

  @Override
  public void restore(IbVfState saved) {
    String why = "saved state of VF " + saved.vf() + " was not read from MLNX_OFED sysfs";
    write(saved.vf(), saved.nodeGuid().orElseThrow(() -> new IllegalArgumentException(why)),
        saved.operPortGuid().orElseThrow(() -> new IllegalArgumentException(why)), saved.policy());
  }

  @Override
  public void clear(int vf) {
    write(vf, ZERO, ZERO, Optional.empty());
  }

  private void write(int vf, Guid node, Guid port, Optional<VfLinkPolicy> policy) {
    Path dir = vfDir(vf);
    Path nodeFile = dir.resolve("node");
    writer.write(nodeFile, node.toColons());
    writer.write(dir.resolve("port"), port.toColons());
    if (policy.isPresent()) {
      writer.write(dir.resolve("policy"), policy.get().sysfsWord());
      VfLinkPolicy back = policy(dir.resolve("policy"));
      if (back != policy.get()) {
        throw new SysfsException(dir.resolve("policy"), "reads back " + back.sysfsWord()
            + " after writing " + policy.get().sysfsWord());
      }
    }
    Guid back = guid(nodeFile);
    if (!back.equals(node)) {
      throw new SysfsException(nodeFile, "reads back " + back + " after writing " + node);
    }
  }

  private Path vfDir(int vf) {
    if (vf < 0) {
      throw new IllegalArgumentException("VF index " + vf + " is negative");
    }
    Path dir = sriov.resolve(Integer.toString(vf));
    if (!Files.isDirectory(dir)) {
      throw new SysfsException(dir, "does not exist: no VF " + vf);
    }
    return dir;
  }

  private static Guid guid(Path file) {
    String s = SysfsText.line(file);
    if (!COLONS.matcher(s).matches()) {
      throw new SysfsException(file, "holds '" + s + "', expected a GUID like 02:00:00:00:00:00:00:01");
    }
    return Guid.parse(s);
  }

  private static VfLinkPolicy policy(Path file) {
    String s = SysfsText.line(file);
    return Arrays.stream(VfLinkPolicy.values()).filter(p -> p.sysfsWord().equals(s)).findFirst()
        .orElseThrow(() -> new SysfsException(file, "holds '" + s + "', expected Down, Up or Follow"));
  }
}
