package org.kvmsriov.opennebula;

import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The domain XML a checkpoint is restored with. OpenNebula keeps a VM's files in
 * {@code <DS_LOCATION>/<DS_ID>/<VM_ID>/}, and the checkpoint among them; when the VM changed system
 * datastore while saved, the XML in the image still names the old datastore's directory, which
 * libvirt would open. Like OpenNebula's stock restore, every such path of this VM is pointed at
 * the datastore the checkpoint now lives in.
 */
public final class CheckpointXml {

  private static final Pattern NUMBER = Pattern.compile("[0-9]+");

  private CheckpointXml() {}

  /**
   * @param savedXml the domain XML stored in the checkpoint
   * @param checkpoint {@code <DS_LOCATION>/<DS_ID>/<VM_ID>/<file>}, as OpenNebula passes it
   * @return the XML with every {@code <DS_LOCATION>/<any DS id>/<vmId>/} path naming the checkpoint's
   *     DS id, or empty when nothing changed or the checkpoint is not in such a directory
   */
  public static Optional<String> relocated(String savedXml, Path checkpoint, int vmId) {
    Path vmDir = checkpoint.toAbsolutePath().normalize().getParent();
    Path dsDir = vmDir == null ? null : vmDir.getParent();
    Path location = dsDir == null ? null : dsDir.getParent();
    if (location == null || !vmDir.getFileName().toString().equals(Integer.toString(vmId))
        || !NUMBER.matcher(dsDir.getFileName().toString()).matches()) {
      return Optional.empty();
    }
    // Path.of collapsed any "//" of DS_LOCATION (oned writes /var/lib/one//datastores), the XML
    // kept it: any run of slashes separates the components. The look-behind keeps a longer path
    // that merely ends in DS_LOCATION (another mount) out.
    StringBuilder prefix = new StringBuilder("(?<![^'\">\\s])(");
    for (Path part : location) {
      prefix.append("/+").append(Pattern.quote(part.toString()));
    }
    Pattern vmPath = Pattern.compile(prefix + "/+)[0-9]+(/+" + vmId + "/)");
    String relocated = vmPath.matcher(savedXml)
        .replaceAll(m -> Matcher.quoteReplacement(m.group(1) + dsDir.getFileName() + m.group(2)));
    return relocated.equals(savedXml) ? Optional.empty() : Optional.of(relocated);
  }
}
