/**
 * The one engine: observe → plan → apply, under the ledger lock. {@link
 * org.kvmsriov.engine.Engine} serves {@code reconcile --once}, the daemon's passes, the network
 * driver's {@code post}/{@code clean}, and every driver action through {@link
 * org.kvmsriov.engine.Engine#settle} — a pass scoped to one VM, run inside the request's ledger
 * session until that VM's VFs are what the ledger says the request wants. {@link
 * org.kvmsriov.engine.EngineContext} carries everything it works with (host.yaml, the ports, the
 * owners, the clock); the {@code Executor} is the only code that attaches, detaches, programs,
 * resets or releases a VF.
 */
package org.kvmsriov.engine;
