/**
 * The libvirt adapter: the only package that imports {@code org.libvirt}.
 *
 * <p>{@link org.kvmsriov.adapters.libvirt.LibvirtHypervisor} implements the {@code Hypervisor}
 * port over libvirt-java 0.5.2 and binds the few calls it lacks (device-removed events, restore
 * with an XML override) with a small JNA interface over the same {@code libvirt.so}. {@link
 * org.kvmsriov.xml.DomainXml} reads and rewrites domain XML with a DOM parser that
 * refuses DOCTYPEs (no XXE). libvirt's event loop is process-global by libvirt's design; it is
 * started once, lazily, on a daemon thread.
 */
package org.kvmsriov.adapters.libvirt;
