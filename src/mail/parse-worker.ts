import { setPriority } from "node:os";
import { isMainThread } from "node:worker_threads";
import {
  type InboundLimits,
  type InboundMail,
  InboundMailError,
  type InboundMailErrorCode,
  parseInboundMail,
} from "./inbound-parse.js";
import { MailUnreadable, type OpenedMail, openPgp } from "./open-pgp.js";
import { readPrivateKey } from "./pgp-keys.js";
import { detectPgp, type PgpDetection } from "./pgp-mime.js";
import { asBuffer, withBuffers } from "./thread-bytes.js";

/**
 * The untrusted half of mail intake, run in a worker thread of the parse pool (parse-pool.ts)
 * under a time and memory budget: MIME, quoted-printable, HTML to text, OpenPGP armour,
 * decompression. Pure functions over bytes in, plain structured-cloneable results out; no
 * database, no keyring, no logging. Keys come in as armored text.
 *
 * Nothing here throws for anything about the message: a message that cannot be read is an
 * `ok: false` result with a code and a sentence. A rejection of the task therefore always means the
 * pool stopped it (over its budget) or the worker itself is broken.
 */

// The event loop that answers HTTP and SMTP comes first when the CPUs are busy: reading mail
// waits. On Linux this lowers the priority of this thread alone; elsewhere it would lower the
// whole process's, so it is left alone there.
if (!isMainThread && process.platform === "linux") {
  try {
    setPriority(10);
  } catch {
    // Not permitted (a container's seccomp profile): the thread runs at normal priority.
  }
}

export type PgpKind = PgpDetection["kind"];

export interface ReadMailTask {
  raw: Uint8Array;
  limits: InboundLimits;
  envelope?: { mailFrom?: string };
}

export type ReadMailResult =
  | { ok: true; mail: InboundMail; pgp: PgpKind }
  | { ok: false; failure: "message"; code: InboundMailErrorCode; message: string }
  | CostOrBug;

export interface OpenMailTask {
  raw: Uint8Array;
  /** The outer message as readMail returned it. */
  mail: InboundMail;
  /** The program's decryption keys, armored; empty when the message is not encrypted. */
  decryptionKeys: string[];
  knownSenderKey: string | null;
  limits: InboundLimits;
}

export type OpenMailResult =
  | { ok: true; opened: OpenedMail }
  | { ok: false; failure: "message"; code: string; message: string }
  | CostOrBug;

/** Ran out of stack (deeply nested input), or a bug: its error's name only, never a message. */
type CostOrBug = { ok: false; failure: "stack" } | { ok: false; failure: "bug"; name: string };

/** Answers once the thread has loaded this module: the pool starts budgets only after it. */
export function ping(): true {
  return true;
}

export async function readMail(task: ReadMailTask): Promise<ReadMailResult> {
  try {
    const raw = asBuffer(task.raw);
    const mail = await parseInboundMail(raw, task.limits, task.envelope);
    return { ok: true, mail, pgp: detectPgp(raw).kind };
  } catch (error) {
    if (error instanceof InboundMailError)
      return { ok: false, failure: "message", code: error.code, message: error.message };
    return costOrBug(error);
  }
}

export async function openMail(task: OpenMailTask): Promise<OpenMailResult> {
  try {
    const opened = await openPgp(asBuffer(task.raw), withBuffers(task.mail), {
      decryptionKeys: () => Promise.all(task.decryptionKeys.map(readPrivateKey)),
      knownSenderKey: task.knownSenderKey,
      limits: task.limits,
    });
    return { ok: true, opened };
  } catch (error) {
    if (error instanceof MailUnreadable)
      return { ok: false, failure: "message", code: error.code, message: error.message };
    return costOrBug(error);
  }
}

function costOrBug(error: unknown): CostOrBug {
  if (error instanceof RangeError && /call stack/i.test(error.message))
    return { ok: false, failure: "stack" };
  return { ok: false, failure: "bug", name: error instanceof Error ? error.name : typeof error };
}
