package org.kvmsriov.port;

/**
 * An event libvirt reported about a domain.
 *
 * <pre>
 * DomainEvent = Lifecycle(domain, DomainState) | DeviceRemoved(domain, alias)
 * </pre>
 */
public sealed interface DomainEvent permits DomainEvent.Lifecycle, DomainEvent.DeviceRemoved {

  String domain();

  /** The domain changed run state. */
  record Lifecycle(String domain, DomainState state) implements DomainEvent {}

  /** A hot-unplug completed; {@code alias} is the device's alias ({@code hostdev0}). */
  record DeviceRemoved(String domain, String alias) implements DomainEvent {}
}
