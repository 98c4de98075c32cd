import type { Logger } from "pino";
import { Piscina } from "piscina";
import { type InboundLimits, type InboundMail, InboundMailError } from "./inbound-parse.js";
import { MailUnreadable, type OpenedMail } from "./open-pgp.js";
import type {
  OpenMailResult,
  OpenMailTask,
  PgpKind,
  ReadMailResult,
  ReadMailTask,
  WireMail,
  WireOpenedMail,
} from "./parse-worker.js";
import { asBuffer, withBuffers } from "./thread-bytes.js";
import { movableBuffers } from "./thread-transfer.js";

/**
 * Where untrusted mail is read: a small pool of worker threads (piscina) running parse-worker.ts,
 * each task under a wall-time budget (past it the thread is ended) and a memory budget (V8's heap
 * limits for the thread). The main thread, which serves HTTP and the SMTP listener, never runs
 * MIME, quoted-printable, HTML-to-text or OpenPGP code on a stranger's bytes, so no message can
 * stall it, whatever a regular expression or a decompressor does with it.
 *
 * A task over its budget is a MailTooCostly: the message is kept as `too-costly` for a person.
 * Messages being taken in at once are bounded (`admit`): a flood is told to come back later
 * (the SMTP listener answers 451) instead of piling up in memory.
 */
export interface ParseBudget {
  /** Wall time per task (reading the message, or opening its OpenPGP), from when a thread takes it. */
  seconds: number;
  /** The worker thread's V8 heap (old generation); the young generation gets an eighth of it, at most 8 MB. */
  memoryMb: number;
  threads: number;
  /** Messages that may wait for a thread besides those being read; past it `admit` refuses. */
  queue: number;
}

/** Over the budget: the code says which (time, memory, a crashed reader), the sentence what it means. */
export class MailTooCostly extends Error {
  constructor(
    readonly code: "over-time-budget" | "over-memory-budget" | "over-stack-budget" | "reader-crashed",
    message: string,
  ) {
    super(message);
    this.name = "MailTooCostly";
  }
}

/** Every place is taken: nothing was stored, and the sender should try again later. */
export class MailIntakeBusy extends Error {
  constructor() {
    super("mail intake is busy; try again later");
    this.name = "MailIntakeBusy";
  }
}

/** The pool was closed (the process is stopping) while the message was read: it stays `received`. */
export class MailParsePoolClosed extends Error {
  constructor() {
    super("the mail parse pool is closed");
    this.name = "MailParsePoolClosed";
  }
}

/** A message as read: its text as UTF-8 bytes (decoded only as far as needed: body-text.ts). */
export type ReadInboundMail = Omit<InboundMail, "text"> & { text: Buffer };
export type ReadOpenedMail = Omit<OpenedMail, "text"> & { text: Buffer };

export interface ReadMail {
  mail: ReadInboundMail;
  pgp: PgpKind;
  /** The raw message, back from the thread that read it (the one passed in was moved there). */
  raw: Buffer;
}

type TaskName = "readMail" | "openMail";
/** A thread that has not loaded its code in this long is not going to. */
const STARTUP_MS = 60_000;
/**
 * Threads unused this long are ended (issue 17): each holds an isolate of its own, some 40 MB
 * of RSS, which a server that reads mail now and then should not keep. Starting one again costs
 * a fraction of a second of the next message's wait, never its budget (see `started`).
 */
const IDLE_MS = 30_000;
/**
 * The threads' young generation. Reading a message allocates mostly short-lived strings; past
 * a few MB a larger nursery buys little speed and costs RSS in every thread, under load too.
 * Never more than an eighth of the memory budget, as before.
 */
const YOUNG_GENERATION_MB = 8;

export interface MailParsePoolOptions {
  /** How long the threads may sit unused before they are ended (default 30 s). */
  idleMs?: number;
}

export class MailParsePool {
  private pool: Piscina<ReadMailTask | OpenMailTask | null, ReadMailResult | OpenMailResult> | undefined;
  private readonly slots: Slots;
  private admitted = 0;
  private closed = false;
  /** Settles once a thread has started and answered; reset when a budget ended one. */
  private warm: Promise<void> | undefined;
  /** Tasks taken and not yet settled: the threads are ended only when none are. */
  private busy = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly idleMs: number;

  constructor(
    readonly budget: ParseBudget,
    private readonly logger?: Logger,
    options: MailParsePoolOptions = {},
  ) {
    this.slots = new Slots(budget.threads);
    this.idleMs = options.idleMs ?? IDLE_MS;
  }

  /** Threads running now (started, or starting): none before the first message and after `idleMs` unused. */
  get threadCount(): number {
    return this.pool?.threads.length ?? 0;
  }

  /**
   * Takes a place for one message about to be stored and read; the returned function gives it
   * back. Throws MailIntakeBusy, before anything is stored, when every place is taken.
   */
  admit(): () => void {
    if (this.admitted >= this.budget.threads + this.budget.queue) throw new MailIntakeBusy();
    this.admitted += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.admitted -= 1;
    };
  }

  /**
   * Parses a message. Throws InboundMailError (unreadable), MailTooCostly, or a bug's Error.
   * `raw` moves to the reading thread (a large Buffer is empty here afterwards): use the one
   * returned.
   */
  async readMail(raw: Buffer, limits: InboundLimits, envelope?: { mailFrom?: string }): Promise<ReadMail> {
    const task: ReadMailTask = { raw, limits, ...(envelope === undefined ? {} : { envelope }) };
    const result = (await this.run("readMail", task, movableBuffers([raw]))) as ReadMailResult;
    if (result.ok) return { mail: fromWire(result.mail), pgp: result.pgp, raw: asBuffer(result.raw) };
    if (result.failure === "message") throw new InboundMailError(result.code, result.message);
    throw this.costOrBug(result);
  }

  /**
   * Opens its OpenPGP. Throws MailUnreadable, MailTooCostly, or a bug's Error. `raw`, the text
   * and the attachments of `task.mail` move to the reading thread: use what is returned.
   */
  async openMail(
    raw: Buffer,
    task: Omit<OpenMailTask, "raw" | "mail"> & { mail: ReadInboundMail },
  ): Promise<ReadOpenedMail> {
    const { mail } = task;
    const moving = movableBuffers([raw, mail.text, ...mail.attachments.map((file) => file.content)]);
    const result = (await this.run("openMail", { ...task, raw }, moving)) as OpenMailResult;
    if (result.ok) return fromWire(result.opened);
    if (result.failure === "message") throw new MailUnreadable(result.code, result.message);
    throw this.costOrBug(result);
  }

  /** Ends the threads; a message being read meanwhile fails with MailParsePoolClosed. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idleTimer);
    await this.pool?.destroy();
  }

  /**
   * Ends the threads once nothing has run for `idleMs`. The whole pool goes, not piscina's idle
   * threads one by one (minThreads 0 with an idleTimeout): so `warm` goes with it, and the next
   * message waits for a started thread before its time budget starts, as the first one did.
   */
  private idleLater(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      const pool = this.pool;
      if (this.busy > 0 || pool === undefined) return;
      this.pool = undefined;
      this.warm = undefined;
      void pool.destroy();
    }, this.idleMs);
    // An idle pool must not keep a process alive that has nothing else to do.
    this.idleTimer.unref();
  }

  private async run(
    name: TaskName,
    task: ReadMailTask | OpenMailTask,
    transferList: ArrayBuffer[],
  ): Promise<ReadMailResult | OpenMailResult> {
    if (this.closed) throw new MailParsePoolClosed();
    this.busy += 1;
    clearTimeout(this.idleTimer);
    const release = await this.slots.take();
    let timer: NodeJS.Timeout | undefined;
    try {
      // The clock starts when a started thread is free for the task: neither its wait for a
      // turn nor the start of a thread (a second or so from the TypeScript source) counts.
      await this.started();
      const deadline = new AbortController();
      timer = setTimeout(() => deadline.abort(), this.budget.seconds * 1000);
      try {
        return await this.threads().run(task, { name, signal: deadline.signal, transferList });
      } catch (error) {
        const meaning = this.meaningOf(error, deadline.signal.aborted);
        if (meaning instanceof MailTooCostly) this.warm = undefined; // its thread was ended
        throw meaning;
      }
    } finally {
      clearTimeout(timer);
      release();
      this.busy -= 1;
      if (this.busy === 0 && !this.closed) this.idleLater();
    }
  }

  /**
   * Settles when a thread has started. One that cannot (a broken installation, a memory budget
   * too small to load the code) is not the message's fault: an Error, never MailTooCostly.
   */
  private started(): Promise<void> {
    if (this.warm === undefined) {
      const pool = this.threads();
      this.warm = pool.run(null, { name: "ping", signal: AbortSignal.timeout(STARTUP_MS) }).then(
        () => undefined,
        (error: unknown) => {
          // piscina starts no more threads after one failed to start: the next message gets a new pool.
          this.warm = undefined;
          if (this.pool === pool) {
            this.pool = undefined;
            void pool.destroy();
          }
          const reason = error instanceof Error ? error.name : "unknown";
          throw new Error(`the mail parse threads did not start (${reason})`);
        },
      );
    }
    return this.warm;
  }

  /** What a rejected task means: over a budget (the message's doing), or not (the pool's). */
  private meaningOf(error: unknown, timedOut: boolean): Error {
    if (this.closed) return new MailParsePoolClosed();
    const seconds = this.budget.seconds;
    if (timedOut)
      return new MailTooCostly(
        "over-time-budget",
        `reading the message took longer than ${seconds} s, so it was stopped`,
      );
    const code = error instanceof Error && "code" in error ? error.code : undefined;
    if (code === "ERR_WORKER_OUT_OF_MEMORY")
      return new MailTooCostly(
        "over-memory-budget",
        `reading the message needed more than ${this.budget.memoryMb} MB of memory, so it was stopped`,
      );
    if (error instanceof Error && /^worker exited/i.test(error.message))
      return new MailTooCostly("reader-crashed", "the thread reading the message ended while reading it");
    return error instanceof Error ? error : new Error(String(error));
  }

  private costOrBug(result: { failure: "stack" } | { failure: "bug"; name: string }): Error {
    if (result.failure === "stack")
      return new MailTooCostly("over-stack-budget", "the message is nested too deeply to be read");
    return new Error(`reading the message failed in the parse worker (${result.name})`);
  }

  /** Started on first use (a process that never reads mail starts no threads), ended when idle (`idleLater`). */
  private threads() {
    if (this.pool === undefined) {
      const pool = new Piscina<ReadMailTask | OpenMailTask | null, ReadMailResult | OpenMailResult>({
        ...workerEntry(),
        minThreads: this.budget.threads,
        maxThreads: this.budget.threads,
        // Only what `slots` hands over runs; nothing queues inside piscina.
        maxQueue: this.budget.threads,
        resourceLimits: {
          maxOldGenerationSizeMb: this.budget.memoryMb,
          maxYoungGenerationSizeMb: Math.min(
            YOUNG_GENERATION_MB,
            Math.max(4, Math.round(this.budget.memoryMb / 8)),
          ),
        },
      });
      // A thread that dies between tasks is replaced by piscina; unheard, the event would end the process.
      pool.on("error", (error: unknown) => {
        this.logger?.warn(
          { err: error instanceof Error ? error.name : "unknown" },
          "mail parse thread failed",
        );
      });
      this.pool = pool;
    }
    return this.pool;
  }
}

/** A message back from a thread, its bytes as Buffers again (no copy). */
function fromWire(wire: WireMail): ReadInboundMail;
function fromWire(wire: WireOpenedMail): ReadOpenedMail;
function fromWire(wire: WireMail | WireOpenedMail): ReadInboundMail | ReadOpenedMail {
  return { ...withBuffers(wire), text: asBuffer(wire.text) };
}

/**
 * The worker's file and how to load it. Built (dist/), it is plain JavaScript. From the
 * TypeScript source (tsx, vitest), the thread must load TypeScript itself: `--import tsx` is not
 * enough, as tsx registers its hooks on the main thread only (Node 20), so the thread first runs
 * a one-line module that registers them there. tsx is found from this file, not the current
 * directory.
 */
function workerEntry(): { filename: string; execArgv: string[] } {
  const here = import.meta.url;
  if (!new URL(here).pathname.endsWith(".ts"))
    return { filename: new URL("./parse-worker.js", here).href, execArgv: [] };
  const api = JSON.stringify(import.meta.resolve("tsx/esm/api"));
  const register = `data:text/javascript,import{register}from${encodeURIComponent(api)};register();`;
  return { filename: new URL("./parse-worker.ts", here).href, execArgv: ["--import", register] };
}

/** At most `size` tasks at once; the rest wait in arrival order. */
class Slots {
  private readonly waiting: (() => void)[] = [];
  private free: number;

  constructor(size: number) {
    this.free = size;
  }

  take(): Promise<() => void> {
    return new Promise((resolve) => {
      const grant = () => {
        let given = false;
        resolve(() => {
          if (given) return;
          given = true;
          this.give();
        });
      };
      if (this.free > 0) {
        this.free -= 1;
        grant();
      } else this.waiting.push(grant);
    });
  }

  private give(): void {
    const next = this.waiting.shift();
    if (next === undefined) this.free += 1;
    else next();
  }
}

const shared = new Map<string, MailParsePool>();

/** One pool per process and budget: the listener, the IMAP poller and the queue page share it. */
export function sharedParsePool(budget: ParseBudget, logger?: Logger): MailParsePool {
  const key = JSON.stringify([budget.seconds, budget.memoryMb, budget.threads, budget.queue]);
  let pool = shared.get(key);
  if (pool === undefined) {
    pool = new MailParsePool(budget, logger);
    shared.set(key, pool);
  }
  return pool;
}
