package org.kvmsriov.model;

/**
 * What happens to a VF between two leases (host.yaml {@code reset}). A VF a guest drove can keep
 * state that neither a GUID nor a MAC reset clears; a function-level reset does.
 */
public enum VfReset {
  /** nothing beyond restoring its GUID and pkey map */
  NONE("none"),
  /** a function-level reset through the VF's sysfs {@code reset} before it can be leased again */
  FLR("flr");

  private final String yamlName;

  VfReset(String yamlName) {
    this.yamlName = yamlName;
  }

  public String yamlName() {
    return yamlName;
  }
}
