package org.kvmsriov.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.kvmsriov.engine.Outcome;
import org.kvmsriov.engine.PassResult;
import org.kvmsriov.plan.Action;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** Text and JSON forms of a pass: the plan, then what became of each action. */
final class PlanRenderer {

  private static final JsonMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

  private PlanRenderer() {}

  static void text(PrintWriter out, PassResult r, boolean dryRun) {
    List<Action> actions = r.plan().actions();
    if (actions.isEmpty()) {
      out.println("converged: nothing to do");
      return;
    }
    out.println("plan (" + actions.size() + (actions.size() == 1 ? " action" : " actions") + "):");
    for (int i = 0; i < actions.size(); i++) {
      out.println("  " + (i + 1) + ". " + actions.get(i).describe());
    }
    if (dryRun) {
      out.println("dry run: nothing changed");
      return;
    }
    out.println("applied: " + counts(r));
    for (Outcome o : r.outcomes()) {
      if (o.failed()) {
        out.println("  FAILED " + o.action().describe() + ": " + o.detail());
      }
    }
  }

  /** "N done, N failed, N reported", and ", N waiting" when a lease waits for its grace to end. */
  static String counts(PassResult r) {
    long waiting = r.count(Outcome.Status.WAITING);
    return r.count(Outcome.Status.DONE) + " done, " + r.count(Outcome.Status.FAILED) + " failed, "
        + r.count(Outcome.Status.REPORTED) + " reported" + (waiting > 0 ? ", " + waiting + " waiting" : "");
  }

  static void json(PrintWriter out, PassResult r, boolean dryRun) {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("converged", r.plan().converged());
    root.put("dry_run", dryRun);
    List<Map<String, Object>> actions = new ArrayList<>();
    for (int i = 0; i < r.plan().actions().size(); i++) {
      Action a = r.plan().actions().get(i);
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("kind", kind(a));
      a.domain().ifPresent(d -> m.put("domain", d));
      m.put("description", a.describe());
      if (a instanceof Action.AwaitGrace w) {
        m.put("unheld_since", w.since().toString());
        m.put("seconds_left", w.secondsLeft());
        m.put("first_sight", w.firstSight());
      }
      if (i < r.outcomes().size()) {
        Outcome o = r.outcomes().get(i);
        m.put("status", o.status().name().toLowerCase(Locale.ROOT));
        if (o.failed()) {
          m.put("error", o.detail());
        }
      }
      actions.add(m);
    }
    root.put("actions", actions);
    root.put("took_ms", r.took().toMillis());
    r.next().ifPresent(n -> root.put("recheck_after_seconds", n.toSeconds()));
    out.println(JSON.writeValueAsString(root));
  }

  /**
   * The JSON of a pass that could not run (libvirt down, host.yaml refused, the ledger locked):
   * the same object, no actions, and the error, so a script reading stdout sees why.
   */
  static void jsonFailure(PrintWriter out, boolean dryRun, String error) {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("converged", null);
    root.put("dry_run", dryRun);
    root.put("actions", List.of());
    root.put("error", error);
    out.println(JSON.writeValueAsString(root));
    out.flush();
  }

  /** snake_case action kinds for JSON: release_stale_lease, report, ... */
  static String kind(Action a) {
    return a.accept(new Action.Visitor<String>() {
      @Override
      public String release(Action.ReleaseStaleLease x) {
        return "release_stale_lease";
      }

      @Override
      public String confirm(Action.ConfirmLease x) {
        return "confirm_lease";
      }

      @Override
      public String adopt(Action.AdoptUntrackedVf x) {
        return "adopt_untracked_vf";
      }

      @Override
      public String reattach(Action.ReattachVf x) {
        return "reattach_vf";
      }

      @Override
      public String attach(Action.AttachVf x) {
        return "attach_vf";
      }

      @Override
      public String detach(Action.DetachVf x) {
        return "detach_vf";
      }

      @Override
      public String restoreParked(Action.RestoreParkedNic x) {
        return "restore_parked_nic";
      }

      @Override
      public String programGuid(Action.ProgramGuid x) {
        return "program_guid";
      }

      @Override
      public String mapPkey(Action.MapPkey x) {
        return "map_pkey";
      }

      @Override
      public String blockPartition(Action.BlockPartition x) {
        return "block_partition";
      }

      @Override
      public String joinPartition(Action.JoinPartition x) {
        return "join_partition";
      }

      @Override
      public String leavePartition(Action.LeavePartition x) {
        return "leave_partition";
      }

      @Override
      public String awaitGrace(Action.AwaitGrace x) {
        return "await_grace";
      }

      @Override
      public String endGrace(Action.EndGrace x) {
        return "end_grace";
      }

      @Override
      public String report(Action.Report x) {
        return "report";
      }
    });
  }
}
