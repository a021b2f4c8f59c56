/**
 * The engine: observe → plan → apply, under the ledger lock. {@link org.kvmsriov.engine.Engine}
 * serves {@code reconcile --once}, the daemon and the OpenNebula driver actions alike.
 */
package org.kvmsriov.engine;
