package org.kvmsriov.opennebula;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.kvmsriov.xml.SafeXml;
import org.w3c.dom.Element;

/**
 * How many vCPUs running domains have confined to each NUMA node ({@code <numatune><memory
 * nodeset='N'>}, as HPC mode pins a one-node VM), so the next such VM goes to the least loaded.
 */
public final class NumaLoad {

  private NumaLoad() {}

  public static Map<Integer, Integer> of(List<String> runningDomainXmls) {
    Map<Integer, Integer> load = new HashMap<>();
    for (String xml : runningDomainXmls) {
      Element domain = SafeXml.parse(xml, "domain XML").getDocumentElement();
      Element numatune = DeploymentFile.child(domain, "numatune");
      Element memory = numatune == null ? null : DeploymentFile.child(numatune, "memory");
      String nodeset = memory == null ? "" : memory.getAttribute("nodeset");
      if (nodeset.matches("\\d{1,4}")) {
        load.merge(Integer.parseInt(nodeset), HpcTuning.vcpus(domain), Integer::sum);
      }
    }
    return load;
  }
}
