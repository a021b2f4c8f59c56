/**
 * The thin client OpenNebula's shims exec: it hands a driver, vnm or probe call to the resident
 * daemon over its Unix socket, and runs the CLI itself when no daemon answers. Only JDK classes,
 * so that it starts in a fraction of the CLI's time.
 */
package org.kvmsriov.client;
