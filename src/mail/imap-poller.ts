import { ImapFlow } from "imapflow";
import { type Envelope, type MailIntakeDeps, receiveMail } from "./ingest.js";

/**
 * IMAP polling of an existing mailbox (EMBARGO_IMAP_URL), as an alternative to the SMTP listener.
 * Every poll connects, opens the mailbox, takes in each message that does not carry the
 * `$Embargo` keyword, and only once `receiveMail` has stored it marks it `$Embargo` and `\Seen`.
 * Nothing is ever deleted or moved. A crash between fetching and marking fetches the message
 * again next time; the ingest recognises its Message-ID and keeps it as a duplicate.
 *
 * The mailbox is the operator's, so there are no per-sender limits here (the provider filters).
 * Failures (server down, wrong password, a database outage while storing) are logged without
 * credentials and the next poll tries again; nothing here throws into the process.
 */
export interface ImapPollerOptions {
  /** imap(s)://user:password@host:port/mailbox (mailbox default INBOX); user and password percent-encoded. */
  url: string;
  pollSeconds: number;
}

export interface ImapPoller {
  /** Polls now (after any poll under way); resolves to the number of messages taken in. Never rejects. */
  pollOnce(): Promise<number>;
  /** No further polls; waits for one under way to finish. */
  stop(): Promise<void>;
}

/** The keyword that says "taken in by Embargo". */
export const TAKEN_IN = "$Embargo";
/** Set besides TAKEN_IN on a message too large to take in: left unread for a person. */
export const TOO_LARGE = "$EmbargoTooLarge";

interface ImapTarget {
  secure: boolean;
  host: string;
  port: number;
  user: string;
  password: string;
  mailbox: string;
}

export function parseImapUrl(url: string): ImapTarget {
  const parsed = new URL(url);
  const secure = parsed.protocol === "imaps:";
  if (!secure && parsed.protocol !== "imap:")
    throw new Error("EMBARGO_IMAP_URL: expected imap:// or imaps://");
  const path = decodeURIComponent(parsed.pathname.replace(/^\/+/, ""));
  return {
    secure,
    host: parsed.hostname.replace(/^\[|\]$/g, ""),
    port: parsed.port === "" ? (secure ? 993 : 143) : Number(parsed.port),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    mailbox: path === "" ? "INBOX" : path,
  };
}

export function startImapPoller(deps: MailIntakeDeps, options: ImapPollerOptions): ImapPoller {
  const target = parseImapUrl(options.url);
  const where = { host: target.host, port: target.port, mailbox: target.mailbox };
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<number> = Promise.resolve(0);

  const pollOnce = (): Promise<number> => {
    current = current.then(() => (stopped ? 0 : poll(deps, target, () => stopped))).catch(() => 0);
    return current;
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      void pollOnce().then(schedule);
    }, options.pollSeconds * 1000);
    timer.unref();
  };
  schedule();
  deps.logger.info({ ...where, pollSeconds: options.pollSeconds }, "imap polling on");

  return {
    pollOnce,
    stop: async () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await current;
    },
  };
}

async function poll(deps: MailIntakeDeps, target: ImapTarget, stopped: () => boolean): Promise<number> {
  const where = { host: target.host, port: target.port, mailbox: target.mailbox };
  let client: ImapFlow | undefined;
  let takenIn = 0;
  try {
    client = new ImapFlow({
      host: target.host,
      port: target.port,
      secure: target.secure,
      // Plain imap:// upgrades with STARTTLS when the server offers it (a local server may not).
      auth: { user: target.user, pass: target.password },
      logger: false,
      disableAutoIdle: true,
      connectionTimeout: 30_000,
      greetingTimeout: 16_000,
      socketTimeout: 120_000,
    });
    // An 'error' event without a listener would end the process.
    client.on("error", (error: unknown) => {
      deps.logger.warn({ ...where, err: describeError(error, target) }, "imap connection error");
    });
    await client.connect();
    const lock = await client.getMailboxLock(target.mailbox);
    try {
      const mailbox = client.mailbox;
      if (mailbox === false) throw new Error("the mailbox did not open");
      if (mailbox.readOnly === true)
        throw new Error("the mailbox is read-only: taken-in messages cannot be marked");
      // A server that keeps no keywords: \Seen alone marks what was taken in.
      const keywords = mailbox.permanentFlags === undefined || mailbox.permanentFlags.has("\\*");
      const query = keywords ? { unKeyword: TAKEN_IN, deleted: false } : { seen: false, deleted: false };
      const pending = await client.search(query, { uid: true });
      for (const uid of pending === false || pending === undefined ? [] : pending) {
        if (stopped()) break;
        if (await takeIn(deps, client, uid, keywords, where)) takenIn += 1;
      }
    } finally {
      lock.release();
    }
    await client.logout();
  } catch (error) {
    deps.logger.error(
      { ...where, err: describeError(error, target), takenIn },
      "imap poll failed; trying again next poll",
    );
    client?.close();
  }
  return takenIn;
}

/** One message: fetched, handed to the ingest (stored), then marked. False when it was not taken in. */
async function takeIn(
  deps: MailIntakeDeps,
  client: ImapFlow,
  uid: number,
  keywords: boolean,
  where: { host: string; port: number; mailbox: string },
): Promise<boolean> {
  const mark = keywords ? [TAKEN_IN, "\\Seen"] : ["\\Seen"];
  const meta = await client.fetchOne(String(uid), { uid: true, size: true }, { uid: true });
  if (meta === false) return false; // expunged meanwhile
  if (meta.size !== undefined && meta.size > deps.limits.maxTotalBytes) {
    // Left unread in the mailbox for a person; not fetched, not looked at again.
    if (keywords) await client.messageFlagsAdd(String(uid), [TAKEN_IN, TOO_LARGE], { uid: true });
    deps.logger.warn(
      { ...where, uid, size: meta.size, limit: deps.limits.maxTotalBytes },
      "imap message too large; left in the mailbox",
    );
    return false;
  }
  const message = await client.fetchOne(String(uid), { uid: true, source: true }, { uid: true });
  if (message === false || message.source === undefined) return false;
  const outcome = await receiveMail(deps, message.source, envelopeOf(message.source));
  // Stored: only now is it marked, so a crash before this line fetches it again.
  await client.messageFlagsAdd(String(uid), mark, { uid: true });
  deps.logger.info(
    { ...where, uid, inboundMailId: outcome.id, status: outcome.status },
    "imap message taken in",
  );
  return true;
}

/**
 * What the delivering server recorded: Return-Path (the MAIL FROM; `<>` is a bounce) and
 * Delivered-To / X-Original-To (the RCPT TO). Absent headers leave the routing to To/Cc.
 */
export function envelopeOf(raw: Buffer): Envelope {
  const headers = topHeaders(raw);
  const rcptTo = [...(headers.get("delivered-to") ?? []), ...(headers.get("x-original-to") ?? [])]
    .map(bareAddress)
    .filter((address) => address !== "");
  const returnPath = headers.get("return-path")?.[0];
  if (returnPath === undefined) return { via: "imap", rcptTo: [...new Set(rcptTo)] };
  const from = bareAddress(returnPath);
  return { via: "imap", mailFrom: from === "" ? null : from, rcptTo: [...new Set(rcptTo)] };
}

const MAX_HEADER_BYTES = 256 * 1024;

/** The message's own header fields by lower-cased name, unfolded, in order. */
function topHeaders(raw: Buffer): Map<string, string[]> {
  const head = raw.subarray(0, MAX_HEADER_BYTES).toString("latin1");
  const end = head.search(/\r?\n\r?\n/);
  const block = end === -1 ? head : head.slice(0, end);
  const fields = new Map<string, string[]>();
  for (const line of block.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    fields.set(name, [...(fields.get(name) ?? []), line.slice(colon + 1).trim()]);
  }
  return fields;
}

function bareAddress(value: string): string {
  const angle = /<([^<>]*)>/.exec(value);
  return (angle === null ? value : (angle[1] ?? "")).trim();
}

/** An error as a log field: its code and the server's words, never the credentials. */
function describeError(error: unknown, target: ImapTarget): string {
  if (!(error instanceof Error)) return "unknown error";
  const fields = error as Error & { code?: unknown; responseText?: unknown; serverResponseCode?: unknown };
  const parts = [
    typeof fields.code === "string" ? fields.code : error.name,
    error.message,
    typeof fields.serverResponseCode === "string" ? fields.serverResponseCode : "",
    typeof fields.responseText === "string" ? fields.responseText : "",
  ].filter((part) => part !== "");
  let text = [...new Set(parts)].join(": ");
  // imapflow does not quote them; this makes sure (a very short user name is left alone).
  const secrets = [
    target.password,
    encodeURIComponent(target.password),
    target.user.length >= 3 ? target.user : "",
  ];
  for (const secret of secrets) {
    if (secret !== "") text = text.split(secret).join("***");
  }
  return text;
}
