import { randomBytes } from "node:crypto";
import { deleteExpiredCeremonies } from "../auth/expired-ceremonies.js";
import { indexPendingCases } from "../store/search-index.js";
import { type DeliveryDeps, deliverDue } from "./delivery-worker.js";
import { applyRetention } from "./retention.js";
import { processDueTimers, type TickResult, type TimerWorkerDeps } from "./timer-worker.js";

/**
 * Runs the timer and delivery workers in this process: a tick every `intervalMs`, and at once
 * again while a batch came back full (a backlog drains at full speed, an idle system costs one
 * indexed query per table per tick). Ticks never overlap. Any number of instances may run this
 * against one database (see the workers for why that is safe).
 */
export interface JobRunnerDeps extends TimerWorkerDeps, Omit<DeliveryDeps, "workerId"> {
  clock: () => Date;
}

export interface JobRunner {
  /** One full pass (timers, then deliveries) until nothing due is left; for tests and the CLI. */
  drain(): Promise<{
    cases: number;
    escalations: number;
    notifications: number;
    sent: number;
    failed: number;
  }>;
  stop(): Promise<void>;
}

/**
 * Cases per timer transaction. SQLite has one writer: a smaller batch keeps a report's intake
 * from waiting long behind a tick.
 */
const TIMER_BATCH = { sqlite: 50, postgres: 200 } as const;
/**
 * Timer transactions in flight at once. On PostgreSQL a batch spends most of its time waiting
 * for round trips, and SKIP LOCKED gives each transaction cases of its own, so a few lanes drain a
 * backlog several times faster; SQLite has one writer, so one lane.
 */
const TIMER_LANES = { sqlite: 1, postgres: 4 } as const;
const DELIVERY_BATCH = 64;
/**
 * How often a runner deletes expired sign-in ceremonies (src/auth/expired-ceremonies.ts): they
 * live minutes, and an expired one answers nothing, so this only bounds the tables' size.
 */
export const CEREMONY_SWEEP_MS = 10 * 60_000;
/**
 * How often a runner indexes, for search, the reports taken in since (src/store/search-index.ts),
 * and how many at most each time. Intake leaves a report's body out of the index to stay fast and
 * a search indexes whatever is left, so this only keeps the first search after a burst quick,
 * without taking the intake's share of the machine while the burst lasts.
 */
export const SEARCH_INDEX_SWEEP_MS = 30_000;
const SEARCH_INDEX_BATCH = 200;
/** How often a runner applies the policies' retention (src/jobs/retention.ts): daily, and at start. */
export const RETENTION_SWEEP_MS = 24 * 60 * 60_000;

/**
 * Lets waiting I/O (HTTP requests, SMTP sessions) run between batches. better-sqlite3 answers
 * synchronously, so without this a backlog drained batch after batch would hold the event loop
 * (only promise callbacks run in between) and the web server would stall until it is done.
 */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** How the runner takes due timers on a dialect (the timers benchmark's baseline does the same). */
export function timerBatching(dialect: "sqlite" | "postgres"): { batch: number; lanes: number } {
  return { batch: TIMER_BATCH[dialect], lanes: TIMER_LANES[dialect] };
}

/** Takes every due timer, batch after batch (in parallel lanes on PostgreSQL), until none is left. */
export async function fireDueTimers(
  deps: TimerWorkerDeps,
  clock: () => Date,
  stopped: () => boolean = () => false,
): Promise<TickResult> {
  const { batch, lanes } = timerBatching(deps.store.dialect);
  const total: TickResult = { cases: 0, escalations: 0, notifications: 0 };
  const lane = async () => {
    for (;;) {
      const tick = await processDueTimers(deps, clock(), batch);
      total.cases += tick.cases;
      total.escalations += tick.escalations;
      total.notifications += tick.notifications;
      if (tick.cases < batch || stopped()) return;
      await yieldToEventLoop();
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  return total;
}

export function startJobRunner(
  deps: JobRunnerDeps,
  options: { intervalMs?: number; autoStart?: boolean } = {},
): JobRunner {
  const workerId = `${process.pid}-${randomBytes(6).toString("hex")}`;
  const delivery: DeliveryDeps = { ...deps, workerId };
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let sweptAt: number | undefined;
  let indexedAt: number | undefined;
  let retainedAt: number | undefined;

  /** At the first pass, then once per CEREMONY_SWEEP_MS of the runner's clock. */
  const sweepCeremonies = async () => {
    const now = deps.clock();
    if (sweptAt !== undefined && now.getTime() - sweptAt < CEREMONY_SWEEP_MS) return;
    sweptAt = now.getTime();
    await deleteExpiredCeremonies(deps.store, now);
  };

  /** At the first pass, then once per SEARCH_INDEX_SWEEP_MS of the runner's clock. */
  const indexReports = async () => {
    const now = deps.clock().getTime();
    if (indexedAt !== undefined && now - indexedAt < SEARCH_INDEX_SWEEP_MS) return;
    indexedAt = now;
    await indexPendingCases(deps.store, deps.keyring, { atMost: SEARCH_INDEX_BATCH });
  };

  /** At the first pass, then once per RETENTION_SWEEP_MS of the runner's clock. */
  const applyRetentionDaily = async () => {
    const now = deps.clock();
    if (retainedAt !== undefined && now.getTime() - retainedAt < RETENTION_SWEEP_MS) return;
    retainedAt = now.getTime();
    await applyRetention(deps, now);
  };

  const drain = async () => {
    const total = { ...(await fireDueTimers(deps, deps.clock, () => stopped)), sent: 0, failed: 0 };
    for (;;) {
      const sent = await deliverDue(delivery, deps.clock(), DELIVERY_BATCH);
      total.sent += sent.sent;
      total.failed += sent.failed;
      if (sent.sent + sent.failed < DELIVERY_BATCH || stopped) break;
      await yieldToEventLoop();
    }
    await sweepCeremonies();
    if (!stopped) await indexReports();
    if (!stopped) await applyRetentionDaily();
    return total;
  };

  const serialized = <T>(work: () => Promise<T>): Promise<T> => {
    const next = running.then(work, work);
    running = next.catch(() => undefined);
    return next;
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      serialized(drain)
        .catch((error: unknown) => {
          deps.logger.error({ err: error instanceof Error ? error.message : "unknown" }, "job tick failed");
        })
        .finally(schedule);
    }, options.intervalMs ?? 1000);
    timer.unref();
  };
  if (options.autoStart !== false) schedule();

  return {
    drain: () => serialized(drain),
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await running;
    },
  };
}
