/**
 * File primitives every writer shares: {@link org.kvmsriov.io.AtomicFiles} replaces a file so
 * that readers and crashes see the old or the new content, never a mix.
 */
package org.kvmsriov.io;
