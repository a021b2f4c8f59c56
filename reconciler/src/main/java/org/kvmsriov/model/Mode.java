package org.kvmsriov.model;

/**
 * How a PF's VFs reach VMs. A closed set: adding a mode must break every switch over it.
 *
 * <pre>
 * Mode = Generic                 any SR-IOV device; identity travels on a dummy NIC
 *      | MlnxOfed2(OfedPort)     InfiniBand; identity is the VF GUID, partition from VLAN_ID
 *      | Ethernet                libvirt sets the VF's MAC and VLAN itself
 * </pre>
 */
public sealed interface Mode permits Mode.Generic, Mode.MlnxOfed2, Mode.Ethernet {

  /** The name used in host.yaml and kvmrc. */
  String yamlName();

  <R> R accept(Visitor<R> v);

  /** One method per mode and no defaults, so a new mode breaks the build until handled. */
  interface Visitor<R> {
    R generic(Generic g);

    R mlnxOfed2(MlnxOfed2 m);

    R ethernet(Ethernet e);
  }

  record Generic() implements Mode {
    @Override
    public String yamlName() {
      return "generic";
    }

    @Override
    public <R> R accept(Visitor<R> v) {
      return v.generic(this);
    }
  }

  /** @param ofed the HCA and port, or null to resolve them from sysfs at run time */
  record MlnxOfed2(OfedPort ofed) implements Mode {
    @Override
    public String yamlName() {
      return "mlnx_ofed2";
    }

    @Override
    public <R> R accept(Visitor<R> v) {
      return v.mlnxOfed2(this);
    }
  }

  record Ethernet() implements Mode {
    @Override
    public String yamlName() {
      return "ethernet";
    }

    @Override
    public <R> R accept(Visitor<R> v) {
      return v.ethernet(this);
    }
  }
}
