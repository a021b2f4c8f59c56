/** The long-running reconciler: Quartz-scheduled passes of the engine, stopped cleanly by SIGTERM. */
package org.kvmsriov.daemon;
