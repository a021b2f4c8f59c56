/**
 * The composition root. {@link org.kvmsriov.app.Wiring} chooses the adapters (libvirt, sysfs,
 * the file ledger, OpenNebula's stock scripts, ssh) and assembles the engine and the driver
 * service from them; the CLI's commands and the daemon both get theirs here, so a request is
 * served the same way in a short-lived process and in the resident one.
 */
package org.kvmsriov.app;
