package org.kvmsriov.daemon;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.impl.StdSchedulerFactory;

/**
 * Runs reconcile passes on a Quartz schedule: one every {@code interval}, sooner when a pass asks
 * (a lease's grace ends before the next interval), never two at once. The pass decides nothing
 * about scheduling beyond returning its wish; this class owns the schedule.
 */
public final class Daemon {

  private static final AtomicLong INSTANCES = new AtomicLong();

  private final PassRunner runner;
  private final Duration interval;
  private final PrintWriter log;
  private final Clock clock;
  private final CountDownLatch stop = new CountDownLatch(1);
  private final JobKey job = JobKey.jobKey("reconcile", "kvm-sriov");
  private Scheduler scheduler;
  private long passes;

  public Daemon(PassRunner runner, Duration interval, PrintWriter log, Clock clock) {
    this.runner = runner;
    this.interval = interval;
    this.log = log;
    this.clock = clock;
  }

  /** Starts the schedule; the first pass runs at once. */
  public void start() throws SchedulerException {
    Properties p = new Properties();
    p.setProperty("org.quartz.scheduler.instanceName", "kvm-sriov-" + INSTANCES.incrementAndGet());
    p.setProperty("org.quartz.threadPool.threadCount", "1");
    p.setProperty("org.quartz.jobStore.class", "org.quartz.simpl.RAMJobStore");
    p.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
    scheduler = new StdSchedulerFactory(p).getScheduler();
    scheduler.getContext().put(ReconcileJob.DAEMON, this);
    JobDetail detail = JobBuilder.newJob(ReconcileJob.class).withIdentity(job).storeDurably().build();
    Trigger every = TriggerBuilder.newTrigger().withIdentity("interval", "kvm-sriov").forJob(job).startNow()
        .withSchedule(SimpleScheduleBuilder.simpleSchedule()
            .withIntervalInMilliseconds(interval.toMillis()).repeatForever()
            .withMisfireHandlingInstructionNextWithRemainingCount())
        .build();
    scheduler.scheduleJob(detail, java.util.Set.of(every), false);
    scheduler.start();
    log.println("kvm-sriov daemon: started, a pass every " + interval.toSeconds() + " s");
    log.flush();
  }

  /** Called by the job, one at a time. Logs one line per pass. */
  void pass() {
    Instant start = clock.instant();
    passes++;
    try {
      Optional<Duration> sooner = runner.runPass();
      sooner.filter(d -> d.compareTo(interval) < 0).ifPresent(this::recheckIn);
    } catch (RuntimeException e) {
      log.println("kvm-sriov daemon: pass " + passes + " failed after "
          + Duration.between(start, clock.instant()).toMillis() + " ms: " + e.getMessage());
      log.flush();
    }
  }

  private void recheckIn(Duration d) {
    try {
      Trigger once = TriggerBuilder.newTrigger().forJob(job)
          .startAt(Date.from(clock.instant().plus(d).plusMillis(100))).build();
      scheduler.scheduleJob(once);
    } catch (SchedulerException e) {
      log.println("kvm-sriov daemon: cannot schedule an early pass: " + e.getMessage());
    }
  }

  /** Asks the daemon to stop (from a signal handler): returns at once. */
  public void requestStop() {
    stop.countDown();
  }

  /** Blocks until {@link #requestStop}, then waits for a running pass and shuts the scheduler down. */
  public void awaitStopAndShutdown() throws InterruptedException, SchedulerException {
    stop.await();
    scheduler.shutdown(true);
    log.println("kvm-sriov daemon: stopped after " + passes + " passes");
    log.flush();
  }

  public long passes() {
    return passes;
  }
}
