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
import { movedResult } from "./thread-transfer.js";

/**
 * The untrusted half of mail intake, run in a worker thread of the parse pool (parse-pool.ts)
 * under a time and memory budget: MIME, quoted-printable, HTML to text, OpenPGP armour,
 * decompression. Pure functions over bytes in, plain structured-cloneable results out; no
 * database, no keyring, no logging. Keys come in as armored text.
 *
 * The large parts (the raw message, the text, the attachments) cross the thread boundary by
 * transfer, each way (thread-transfer.ts), and the text crosses as UTF-8 bytes: the main thread
 * decodes only what a case's field holds (body-text.ts), never a 25 MB string.
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

/** A message as it crosses threads: its text as UTF-8 bytes, which move instead of being copied. */
export type WireMail = Omit<InboundMail, "text"> & { text: Uint8Array };
export type WireOpenedMail = Omit<OpenedMail, "text"> & { text: Uint8Array };

export type ReadMailResult =
  /** `raw` is the task's, moved back: the main thread needs it again for openMail. */
  | { ok: true; mail: WireMail; pgp: PgpKind; raw: Uint8Array }
  | { ok: false; failure: "message"; code: InboundMailErrorCode; message: string }
  | CostOrBug;

export interface OpenMailTask {
  raw: Uint8Array;
  /** The outer message as readMail returned it. */
  mail: WireMail;
  /** The program's decryption keys, armored; empty when the message is not encrypted. */
  decryptionKeys: string[];
  knownSenderKey: string | null;
  limits: InboundLimits;
}

export type OpenMailResult =
  | { ok: true; opened: WireOpenedMail }
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
    const pgp = detectPgp(raw).kind;
    const text = Buffer.from(mail.text, "utf8");
    const files = mail.attachments.map((file) => file.content);
    return movedResult<ReadMailResult>({ ok: true, mail: { ...mail, text }, pgp, raw }, [
      raw,
      text,
      ...files,
    ]);
  } catch (error) {
    if (error instanceof InboundMailError)
      return { ok: false, failure: "message", code: error.code, message: error.message };
    return costOrBug(error);
  }
}

export async function openMail(task: OpenMailTask): Promise<OpenMailResult> {
  try {
    const textBytes = asBuffer(task.mail.text);
    const mail: InboundMail = { ...withBuffers(task.mail), text: textBytes.toString("utf8") };
    const opened = await openPgp(asBuffer(task.raw), mail, {
      decryptionKeys: () => Promise.all(task.decryptionKeys.map(readPrivateKey)),
      knownSenderKey: task.knownSenderKey,
      limits: task.limits,
    });
    // Mail without OpenPGP keeps the text it came with: its bytes go back as they came.
    const text = opened.text === mail.text ? textBytes : Buffer.from(opened.text, "utf8");
    const files = opened.attachments.map((file) => file.content);
    return movedResult<OpenMailResult>({ ok: true, opened: { ...opened, text } }, [text, ...files]);
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
