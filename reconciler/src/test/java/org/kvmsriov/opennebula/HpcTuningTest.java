package org.kvmsriov.opennebula;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kvmsriov.config.HostStateLoader;
import org.kvmsriov.model.HostState;
import org.kvmsriov.port.NumaNode;

/** HPC mode on a deployment file: hugepages, host CPU, NUMA mirror or one-node pinning. */
class HpcTuningTest {

  static final List<NumaNode> TWO_NODES = List.of(new NumaNode(0, List.of(0, 1, 2, 3)), new NumaNode(1, List.of(4, 5, 6, 7)));
  static final HostState HOST = HostStateLoader.parse("h", """
      version: 1
      driver: {hpc: {enabled: true, cpu_passthrough_threshold: 2}}
      pfs: {eth1: {mode: generic, vfs: [08:00.1]}}
      """);

  static DeploymentFile vm(int vcpus) {
    return DeploymentFile.parse("""
        <domain type='kvm'>
        \t<name>one-1</name>
        \t<vcpu><![CDATA[%d]]></vcpu>
        \t<cputune>
        \t\t<shares>1024</shares>
        \t</cputune>
        \t<memory>4194304</memory>
        \t<devices>
        \t</devices>
        </domain>""".formatted(vcpus), HOST);
  }

  @Test
  void oneNodeVmIsPinnedToTheLeastLoadedNode() {
    DeploymentFile f = vm(2);
    HpcTuning.Result r = HpcTuning.apply(f, HOST.driver().hpc(), TWO_NODES, Map.of(0, 4));
    assertThat(r.pinnedNode()).hasValue(1);
    String xml = f.toXml();
    assertThat(xml).contains("<memoryBacking><hugepages/><nosharepages/></memoryBacking>")
        .contains("<cpu mode=\"host-passthrough\"/>")
        .contains("<vcpu cpuset=\"4,5,6,7\" placement=\"static\"><![CDATA[2]]></vcpu>")
        .contains("<numatune><memory mode=\"strict\" nodeset=\"1\"/></numatune>");
    assertThat(xml.indexOf("<memoryBacking>")).isLessThan(xml.indexOf("<devices>"));
  }

  @Test
  void wholeHostVmMirrorsTheHostNumaLayoutAndPinsEveryVcpu() {
    DeploymentFile f = vm(8);
    assertThat(HpcTuning.apply(f, HOST.driver().hpc(), TWO_NODES, Map.of()).pinnedNode()).isEmpty();
    String xml = f.toXml();
    assertThat(xml).contains("<cell cpus=\"0-3\" id=\"0\" memory=\"2097152\" unit=\"KiB\"/>")
        .contains("<cell cpus=\"4-7\" id=\"1\" memory=\"2097152\" unit=\"KiB\"/>")
        .contains("<vcpupin cpuset=\"0\" vcpu=\"0\"/>").contains("<vcpupin cpuset=\"7\" vcpu=\"7\"/>")
        .contains("<shares>1024</shares>");
  }

  @Test
  void belowTheThresholdKeepsTheDefaultCpu() {
    DeploymentFile f = vm(1);
    HpcTuning.apply(f, HOST.driver().hpc(), TWO_NODES, Map.of(0, 1, 1, 0));
    assertThat(f.toXml()).doesNotContain("host-passthrough").contains("<hugepages/>").contains("nodeset=\"1\"");
  }

  @Test
  void offChangesNothing() {
    DeploymentFile f = vm(8);
    String before = f.toXml();
    HpcTuning.apply(f, new HostState.Hpc(false, 1), TWO_NODES, Map.of());
    assertThat(f.toXml()).isEqualTo(before);
  }

  @Test
  void countsLoadFromRunningDomainsPinnedToANode() {
    assertThat(NumaLoad.of(List.of(
        "<domain><vcpu>4</vcpu><numatune><memory mode='strict' nodeset='1'/></numatune></domain>",
        "<domain><vcpu>2</vcpu><numatune><memory mode='strict' nodeset='1'/></numatune></domain>",
        "<domain><vcpu>8</vcpu></domain>"))).isEqualTo(Map.of(1, 6));
  }
}
