package org.kvmsriov.model;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An OpenNebula VM id, and the libvirt domain name OpenNebula gives the VM ({@code one-<id>}):
 * the one place that spells that name.
 */
public record VmId(int value) {

  private static final Pattern DOMAIN = Pattern.compile("one-(\\d{1,9})");

  public VmId {
    if (value < 0) {
      throw new IllegalArgumentException("VM id " + value + " is negative");
    }
  }

  /** The libvirt domain name of this VM. */
  public String domain() {
    return "one-" + value;
  }

  /** The VM a domain name of the form {@code one-<id>} designates; empty for any other name. */
  public static Optional<VmId> ofDomain(String name) {
    var m = DOMAIN.matcher(name);
    return m.matches() ? Optional.of(new VmId(Integer.parseInt(m.group(1)))) : Optional.empty();
  }

  /** Whether {@code name} has OpenNebula's domain name form (of any VM). */
  public static boolean isDomainName(String name) {
    return DOMAIN.matcher(name).matches();
  }

  @Override
  public String toString() {
    return Integer.toString(value);
  }
}
