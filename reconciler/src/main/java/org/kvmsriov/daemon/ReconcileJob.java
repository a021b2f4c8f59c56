package org.kvmsriov.daemon;

import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobExecutionContext;
import org.quartz.JobExecutionException;
import org.quartz.SchedulerException;

/** The Quartz job: never two passes at once, whatever fires it (interval or early recheck). */
@DisallowConcurrentExecution
public final class ReconcileJob implements Job {

  static final String DAEMON = "kvm-sriov.daemon";

  @Override
  public void execute(JobExecutionContext context) throws JobExecutionException {
    try {
      ((Daemon) context.getScheduler().getContext().get(DAEMON)).pass();
    } catch (SchedulerException e) {
      throw new JobExecutionException(e);
    }
  }
}
