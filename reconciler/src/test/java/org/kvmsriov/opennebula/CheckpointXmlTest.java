package org.kvmsriov.opennebula;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class CheckpointXmlTest {

  /**
   * @param checkpoint where the checkpoint is now
   * @param saved a disk source in the saved XML
   * @param expected that source after the rewrite (empty: the XML is left as saved)
   */
  record Row(String why, String checkpoint, String saved, Optional<String> expected) {
    @Override
    public String toString() {
      return why;
    }
  }

  static Stream<Row> rows() {
    String cp = "/var/lib/one/datastores/101/7/checkpoint";
    return Stream.of(
        new Row("same DS: unchanged", cp, "/var/lib/one/datastores/101/7/disk.0", Optional.empty()),
        new Row("other DS: moved to the checkpoint's", cp, "/var/lib/one/datastores/0/7/disk.0",
            Optional.of("/var/lib/one/datastores/101/7/disk.0")),
        new Row("double slash as oned writes it: kept, DS moved", cp, "/var/lib/one//datastores/0/7/disk.1",
            Optional.of("/var/lib/one//datastores/101/7/disk.1")),
        new Row("double slash in the checkpoint path too", "/var/lib/one//datastores/101/7/checkpoint",
            "/var/lib/one//datastores/0/7/disk.1", Optional.of("/var/lib/one//datastores/101/7/disk.1")),
        new Row("another VM's path untouched", cp, "/var/lib/one/datastores/0/77/disk.0", Optional.empty()),
        new Row("another VM whose id ends like this one's", cp, "/var/lib/one/datastores/0/17/disk.0", Optional.empty()),
        new Row("another DS location untouched", cp, "/srv/one/datastores/0/7/disk.0", Optional.empty()),
        new Row("a longer path ending in DS_LOCATION untouched", cp, "/mnt/var/lib/one/datastores/0/7/disk.0",
            Optional.empty()),
        new Row("checkpoint outside a DS directory: unchanged", "/tmp/checkpoint",
            "/var/lib/one/datastores/0/7/disk.0", Optional.empty()),
        new Row("checkpoint of another VM's directory: unchanged", "/var/lib/one/datastores/101/8/checkpoint",
            "/var/lib/one/datastores/0/7/disk.0", Optional.empty()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void pathsOfThisVmNameTheCheckpointsDatastore(Row row) {
    String xml = "<domain><name>one-7</name><devices><disk type='file'><source file='" + row.saved()
        + "'/></disk><disk type='file'><source file=\"" + row.saved() + "\"/></disk></devices>"
        + "<metadata><p>" + row.saved() + "</p></metadata></domain>";
    Optional<String> out = CheckpointXml.relocated(xml, Path.of(row.checkpoint()), 7);
    assertThat(out).isEqualTo(row.expected().map(e -> xml.replace(row.saved(), e)));
  }
}
