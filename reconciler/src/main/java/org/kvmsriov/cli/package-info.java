/**
 * The command line (picocli). Commands parse argv and options, take the process's environment,
 * streams and exit code, and hand the work to the driver service or the engine assembled by
 * {@link org.kvmsriov.app.Wiring}; only {@code Main} exits.
 */
package org.kvmsriov.cli;
