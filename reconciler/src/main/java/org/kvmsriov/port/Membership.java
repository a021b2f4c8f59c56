package org.kvmsriov.port;

/**
 * How a port belongs to an InfiniBand partition: a full member talks to every member, a limited
 * member only to full members. {@code BOTH} (both keys in the port's table) only appears in what
 * an operator wrote for OpenSM; kvm-sriov itself asks for full or limited.
 */
public enum Membership {
  FULL("full"),
  LIMITED("limited"),
  BOTH("both");

  private final String word;

  Membership(String word) {
    this.word = word;
  }

  /** The word OpenSM's partitions.conf and UFM's REST API use. */
  public String word() {
    return word;
  }
}
