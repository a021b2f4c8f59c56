package org.kvmsriov.actions;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.kvmsriov.engine.PassResult;
import org.kvmsriov.model.VmId;
import org.kvmsriov.port.DomainInfo;
import org.kvmsriov.port.DriverException;
import org.kvmsriov.port.Lease;
import org.kvmsriov.port.LedgerSession;

/** shutdown and cancel: the domain stopped (the one call), then every VF it held given back by the engine. */
final class Lifecycle {

  private final VmRequest r;
  private final Duration shutdownTimeout;

  Lifecycle(VmRequest r, Duration shutdownTimeout) {
    this.r = r;
    this.shutdownTimeout = shutdownTimeout;
  }

  /** Shuts the domain down (destroying it after the deadline, as OpenNebula does) and frees its VFs. */
  void shutdown(String deployId, VmId vm) {
    Optional<DomainInfo> d = r.hypervisor().domain(deployId).or(() -> r.hypervisor().domain(vm.domain()));
    if (d.isPresent() && d.get().isActive() && !r.hypervisor().shutdown(d.get().name(), shutdownTimeout)) {
      r.log.println("INFO: " + vm.domain() + " did not shut down within " + shutdownTimeout.toSeconds()
          + " s; destroying it");
      r.log.flush();
      r.hypervisor().destroy(d.get().name());
    }
    release(vm.domain(), "shutdown");
  }

  /** Destroys the domain and frees its VFs. Succeeds when the domain is already gone. */
  void cancel(String deployId, VmId vm) {
    r.hypervisor().domain(deployId).or(() -> r.hypervisor().domain(vm.domain()))
        .ifPresent(d -> r.hypervisor().destroy(d.name()));
    release(vm.domain(), "cancel");
  }

  private void release(String name, String why) {
    try (LedgerSession s = r.openLedger()) {
      List<Lease> mine = s.state().leasesOfDomain(name);
      s.commit(s.state().unpark(name));
      PassResult back = r.giveBack(s, name, mine);
      List<Lease> released = mine.stream().filter(l -> s.state().lease(l.key()).isEmpty()).toList();
      r.history(s, why, released, name, "VF released");
      List<VmRequest.Failed> failed = VmRequest.failures(back);
      if (!failed.isEmpty()) {
        throw new DriverException(name + " is stopped but these VFs could not be reset (the reconciler retries): "
            + VmRequest.joined(failed));
      }
    }
  }
}
