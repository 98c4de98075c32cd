import { existsSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { parse } from "yaml";
import { z } from "zod";
import { isOidcSetting, type OidcProviderSetting, parseOidcProviders } from "./oidc-setting.js";
import { readSavedSettings, type SavedSetting } from "./saved-settings.js";
import { parseTrustProxy, type TrustProxy } from "./trust-proxy-setting.js";

/**
 * Embargo's configuration, validated once at start into one typed object. Every setting comes
 * from the environment or, with the same name, from an optional `embargo.yaml`; the
 * environment wins. The `embargo` commands other than `serve` also read, under both, what
 * `serve` saved in the data folder (src/saved-settings.ts), so that they find the same
 * installation and print its links. An invalid setting stops the start with a message that names it.
 */
const bytes = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const ConfigSchema = z.object({
  EMBARGO_DATABASE_URL: z
    .string()
    .regex(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, { message: "expected sqlite:<path> or postgres://…" })
    .default("sqlite:./data/embargo.db"),
  EMBARGO_POLICIES: z.string().min(1).default("./examples/policies"),
  EMBARGO_PUBLIC_URL: z.url({ protocol: /^https?$/, message: "expected an http(s) URL" }).optional(),
  EMBARGO_HOST: z.string().min(1).default("127.0.0.1"),
  EMBARGO_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  EMBARGO_DATA_DIR: z.string().min(1).default("./data"),
  EMBARGO_SECRET_KEY: z.string().min(1).optional(),
  EMBARGO_DEFAULT_PROGRAM: z.string().min(1).optional(),
  EMBARGO_SMTP_URL: z.url({ protocol: /^smtps?$/, message: "expected smtp://host:port" }).optional(),
  EMBARGO_SMTP_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /** The inbound listener's address to bind (default: EMBARGO_HOST). */
  EMBARGO_SMTP_HOST: z.string().min(1).optional(),
  /** PEM files for STARTTLS on the inbound listener; without them it offers no STARTTLS. */
  EMBARGO_SMTP_TLS_CERT: z.string().min(1).optional(),
  EMBARGO_SMTP_TLS_KEY: z.string().min(1).optional(),
  /** The largest message the listener accepts, in bytes. */
  EMBARGO_SMTP_MAX_BYTES: bytes(25 * 1024 * 1024),
  /**
   * Messages per hour the listener takes from one sending host (its IPv4 address or IPv6 /64),
   * whatever MAIL FROM it gives. (The name is older than its meaning: once sender address and IP.)
   */
  EMBARGO_MAIL_PER_HOUR_PER_SENDER: z.coerce.number().int().positive().default(20),
  /** Bytes of mail the listener holds in memory at once, all sessions together (default: 2 × EMBARGO_SMTP_MAX_BYTES). */
  EMBARGO_SMTP_MEMORY_BYTES: z.coerce.number().int().positive().optional(),
  /** Automatic answers (receipts, arrival notices) per hour to one address, and caused by one sending host. */
  EMBARGO_MAIL_ANSWERS_PER_HOUR_PER_ADDRESS: z.coerce.number().int().min(0).default(3),
  EMBARGO_MAIL_ANSWERS_PER_HOUR_PER_HOST: z.coerce.number().int().min(0).default(10),
  /** IMAP polling of an existing mailbox instead of (or besides) the listener: imap(s)://user:password@host:port/INBOX */
  EMBARGO_IMAP_URL: z
    .url({ protocol: /^imaps?$/, message: "expected imap(s)://user:password@host:port/mailbox" })
    .optional(),
  EMBARGO_IMAP_POLL_SECONDS: z.coerce.number().int().min(5).max(3600).default(60),
  /**
   * Reading received mail (MIME, OpenPGP, HTML to text) runs in worker threads, each message step
   * within this wall time and this much heap; past either it is kept as `too-costly`.
   */
  EMBARGO_MAIL_PARSE_SECONDS: z.coerce.number().positive().max(600).default(10),
  EMBARGO_MAIL_PARSE_MEMORY_MB: z.coerce.number().int().min(64).max(8192).default(256),
  /** Threads reading mail (default: one fewer than the CPUs, at least one). */
  EMBARGO_MAIL_PARSE_THREADS: z.coerce.number().int().min(1).max(64).optional(),
  /**
   * Messages that may wait for a thread; past it the SMTP listener answers 451 (try later).
   * Default: as many as the threads get through in 5 minutes if every message took its whole
   * budget twice (reading it, then opening its OpenPGP), so that no sender waits for its answer
   * past the 10 minutes RFC 5321 (4.5.3.2.6) gives it.
   */
  EMBARGO_MAIL_PARSE_QUEUE: z.coerce.number().int().min(0).max(10_000).optional(),
  /** The From address of notification mail; default `embargo@` the public URL's host. */
  EMBARGO_MAIL_FROM: z.email({ message: "expected an email address" }).optional(),
  /** Run the timer and delivery workers in this process (`off` for web-only instances). */
  EMBARGO_WORKER: z
    .enum(["on", "off"])
    .default("on")
    .transform((value) => value === "on"),
  /**
   * How long a delivery worker holds a notification it is sending before another instance may
   * take it over (after a crash). Longer than the send timeouts (webhook 10 s, SMTP 40 s).
   */
  EMBARGO_DELIVERY_LEASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(120),
  EMBARGO_MAX_ATTACHMENT_BYTES: bytes(10 * 1024 * 1024),
  EMBARGO_MAX_ATTACHMENTS_TOTAL_BYTES: bytes(25 * 1024 * 1024),
  /**
   * Reports per hour from one address (IPv4, or IPv6 /64), all kinds together; of those, how many
   * may come without a solved proof-of-work (JavaScript off, Tor); and to one program, from
   * everyone (src/web/abuse/intake-limiter.ts).
   */
  EMBARGO_REPORTS_PER_HOUR_PER_ADDRESS: z.coerce.number().int().positive().default(20),
  EMBARGO_REPORTS_PER_HOUR_PER_ADDRESS_WITHOUT_POW: z.coerce.number().int().positive().default(5),
  EMBARGO_REPORTS_PER_HOUR_PER_PROGRAM: z.coerce.number().int().positive().default(500),
  /** Reporter follow-ups (messages on the private case page) per hour: per case link, their bytes, per address. */
  EMBARGO_FOLLOW_UPS_PER_HOUR_PER_CASE: z.coerce.number().int().positive().default(10),
  EMBARGO_FOLLOW_UP_BYTES_PER_HOUR_PER_CASE: bytes(30 * 1024 * 1024),
  EMBARGO_FOLLOW_UPS_PER_HOUR_PER_ADDRESS: z.coerce.number().int().positive().default(30),
  /** Every request, per address: a ceiling against floods, far above what a person clicks. */
  EMBARGO_REQUESTS_PER_MINUTE_PER_ADDRESS: z.coerce.number().int().positive().default(600),
  /** A hop count or the proxies' addresses (src/trust-proxy-setting.ts); unset: clients connect directly. */
  EMBARGO_TRUST_PROXY: z
    .string()
    .default("")
    .transform((value, ctx) => {
      const parsed = parseTrustProxy(value);
      if (parsed.ok) return parsed.trust;
      ctx.addIssue({ code: "custom", message: parsed.error });
      return z.NEVER;
    }),
  /**
   * The longest a request may take to arrive, body included: long enough for a 25 MB upload
   * over a slow link (about 1 Mbit/s), short enough that a body dribbled byte by byte ends.
   */
  EMBARGO_REQUEST_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3600).default(300),
  /**
   * Bytes anonymous uploads (report form, reporter messages, JSON intake) may hold at once, all
   * together (default: four of the largest), and uploads in flight from one address
   * (src/web/upload-gate.ts).
   */
  EMBARGO_UPLOAD_MEMORY_BYTES: z.coerce.number().int().positive().optional(),
  EMBARGO_UPLOADS_PER_ADDRESS: z.coerce.number().int().min(1).max(100).default(2),
  /** An anonymous upload slower than this (over 10-second windows) is dropped: it holds memory for others. */
  EMBARGO_UPLOAD_MIN_BYTES_PER_SECOND: z.coerce
    .number()
    .int()
    .min(1)
    .default(16 * 1024),
  /** The longest a request's headers may take to arrive (at most the request timeout). */
  EMBARGO_HEADERS_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(20),
  EMBARGO_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type RawConfig = z.output<typeof ConfigSchema>;

export interface Config {
  databaseUrl: string;
  policies: string;
  publicUrl: string;
  /** Set when no setting gave EMBARGO_PUBLIC_URL: publicUrl is only the listen address. */
  publicUrlFromListenAddress?: true;
  host: string;
  port: number;
  dataDir: string;
  secretKey?: string;
  defaultProgram?: string;
  smtpUrl?: string;
  smtpPort?: number;
  mailFrom: string;
  smtpListener: {
    host: string;
    tls?: { certFile: string; keyFile: string };
    maxBytes: number;
    /** Messages per hour from one sending host (src/mail/sending-host.ts). */
    perHostPerHour: number;
    /** Bytes of mail held in memory at once (src/domain/limits/byte-budget.ts). */
    memoryBytes: number;
  };
  /** Limits on automatic answers to mail (src/mail/answer-limits.ts). */
  mailAnswers: { perAddressPerHour: number; perHostPerHour: number };
  imap?: { url: string; pollSeconds: number };
  /** See src/mail/parse-pool.ts. */
  mailParse: { seconds: number; memoryMb: number; threads: number; queue: number };
  worker: boolean;
  deliveryLeaseMs: number;
  limits: { attachmentBytes: number; attachmentsTotalBytes: number };
  rateLimits: {
    perAddressPerHour: number;
    perAddressWithoutPowPerHour: number;
    perProgramPerHour: number;
    requestsPerMinute: number;
  };
  followUpLimits: { perCasePerHour: number; bytesPerCasePerHour: number; perAddressPerHour: number };
  trustProxy: TrustProxy;
  /** Slow clients: the whole request (body included), and its headers alone. */
  timeouts: { requestMs: number; headersMs: number };
  /** Anonymous uploads held at once (src/web/upload-gate.ts). */
  uploads: { totalBytes: number; perAddress: number; minBytesPerSecond: number; windowMs: number };
  logLevel: RawConfig["EMBARGO_LOG_LEVEL"];
  /** Single sign-on: the OpenID Connect providers (src/oidc-setting.ts), none by default. */
  oidcProviders: OidcProviderSetting[];
}

export class ConfigError extends Error {}

/**
 * `savedSettings`: also read what `embargo serve` saved in the data folder, under the environment
 * and the file (for the other commands; the server itself reads only its own settings).
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  file = "embargo.yaml",
  options: { savedSettings?: boolean } = {},
): Config {
  const fromFile = readConfigFile(file);
  const given: Record<string, unknown> = { ...fromFile };
  for (const key of Object.keys(ConfigSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== "") given[key] = value;
  }
  const merged = options.savedSettings === true ? { ...savedSettings(given), ...given } : given;
  const parsed = ConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n  ${problems.join("\n  ")}`);
  }
  const c = parsed.data;
  // Named per provider (EMBARGO_OIDC_<ID>_…), so not in ConfigSchema's fixed list.
  const oidc = parseOidcProviders({ ...fromFile, ...env });
  if (!oidc.ok) throw new ConfigError(`invalid configuration:\n  ${oidc.problems.join("\n  ")}`);
  if ((c.EMBARGO_SMTP_TLS_CERT === undefined) !== (c.EMBARGO_SMTP_TLS_KEY === undefined)) {
    throw new ConfigError(
      "invalid configuration:\n  EMBARGO_SMTP_TLS_CERT and EMBARGO_SMTP_TLS_KEY: give both (the certificate and its key) or neither",
    );
  }
  if (c.EMBARGO_SMTP_MEMORY_BYTES !== undefined && c.EMBARGO_SMTP_MEMORY_BYTES < c.EMBARGO_SMTP_MAX_BYTES) {
    throw new ConfigError(
      "invalid configuration:\n  EMBARGO_SMTP_MEMORY_BYTES: must be at least EMBARGO_SMTP_MAX_BYTES (a message of the largest size must fit)",
    );
  }
  return {
    databaseUrl: c.EMBARGO_DATABASE_URL,
    policies: c.EMBARGO_POLICIES,
    publicUrl: (c.EMBARGO_PUBLIC_URL ?? `http://${c.EMBARGO_HOST}:${c.EMBARGO_PORT}`).replace(
      /(?<!\/)\/+$/,
      "",
    ),
    ...(c.EMBARGO_PUBLIC_URL === undefined ? { publicUrlFromListenAddress: true as const } : {}),
    host: c.EMBARGO_HOST,
    port: c.EMBARGO_PORT,
    dataDir: c.EMBARGO_DATA_DIR,
    ...(c.EMBARGO_SECRET_KEY === undefined ? {} : { secretKey: c.EMBARGO_SECRET_KEY }),
    ...(c.EMBARGO_DEFAULT_PROGRAM === undefined ? {} : { defaultProgram: c.EMBARGO_DEFAULT_PROGRAM }),
    ...(c.EMBARGO_SMTP_URL === undefined ? {} : { smtpUrl: c.EMBARGO_SMTP_URL }),
    ...(c.EMBARGO_SMTP_PORT === undefined ? {} : { smtpPort: c.EMBARGO_SMTP_PORT }),
    mailFrom: c.EMBARGO_MAIL_FROM ?? defaultMailFrom(c.EMBARGO_PUBLIC_URL),
    smtpListener: {
      host: c.EMBARGO_SMTP_HOST ?? c.EMBARGO_HOST,
      ...(c.EMBARGO_SMTP_TLS_CERT !== undefined && c.EMBARGO_SMTP_TLS_KEY !== undefined
        ? { tls: { certFile: c.EMBARGO_SMTP_TLS_CERT, keyFile: c.EMBARGO_SMTP_TLS_KEY } }
        : {}),
      maxBytes: c.EMBARGO_SMTP_MAX_BYTES,
      perHostPerHour: c.EMBARGO_MAIL_PER_HOUR_PER_SENDER,
      memoryBytes: c.EMBARGO_SMTP_MEMORY_BYTES ?? 2 * c.EMBARGO_SMTP_MAX_BYTES,
    },
    mailAnswers: {
      perAddressPerHour: c.EMBARGO_MAIL_ANSWERS_PER_HOUR_PER_ADDRESS,
      perHostPerHour: c.EMBARGO_MAIL_ANSWERS_PER_HOUR_PER_HOST,
    },
    ...(c.EMBARGO_IMAP_URL === undefined
      ? {}
      : { imap: { url: c.EMBARGO_IMAP_URL, pollSeconds: c.EMBARGO_IMAP_POLL_SECONDS } }),
    mailParse: mailParseBudget(c),
    worker: c.EMBARGO_WORKER,
    deliveryLeaseMs: c.EMBARGO_DELIVERY_LEASE_SECONDS * 1000,
    limits: {
      attachmentBytes: c.EMBARGO_MAX_ATTACHMENT_BYTES,
      attachmentsTotalBytes: c.EMBARGO_MAX_ATTACHMENTS_TOTAL_BYTES,
    },
    rateLimits: {
      perAddressPerHour: c.EMBARGO_REPORTS_PER_HOUR_PER_ADDRESS,
      perAddressWithoutPowPerHour: c.EMBARGO_REPORTS_PER_HOUR_PER_ADDRESS_WITHOUT_POW,
      perProgramPerHour: c.EMBARGO_REPORTS_PER_HOUR_PER_PROGRAM,
      requestsPerMinute: c.EMBARGO_REQUESTS_PER_MINUTE_PER_ADDRESS,
    },
    followUpLimits: {
      perCasePerHour: c.EMBARGO_FOLLOW_UPS_PER_HOUR_PER_CASE,
      bytesPerCasePerHour: c.EMBARGO_FOLLOW_UP_BYTES_PER_HOUR_PER_CASE,
      perAddressPerHour: c.EMBARGO_FOLLOW_UPS_PER_HOUR_PER_ADDRESS,
    },
    trustProxy: c.EMBARGO_TRUST_PROXY,
    timeouts: {
      requestMs: c.EMBARGO_REQUEST_TIMEOUT_SECONDS * 1000,
      headersMs: Math.min(c.EMBARGO_HEADERS_TIMEOUT_SECONDS, c.EMBARGO_REQUEST_TIMEOUT_SECONDS) * 1000,
    },
    uploads: uploadBudget(c),
    logLevel: c.EMBARGO_LOG_LEVEL,
    oidcProviders: oidc.providers,
  };
}

/**
 * The largest anonymous upload is the JSON intake's: the attachments in base64 (a third larger)
 * and room for the text, as src/web/routes/api.ts takes it.
 */
export function largestUploadBytes(attachmentsTotalBytes: number): number {
  return Math.ceil((attachmentsTotalBytes * 4) / 3) + 2 * 1024 * 1024;
}

function uploadBudget(c: RawConfig): Config["uploads"] {
  const largest = largestUploadBytes(c.EMBARGO_MAX_ATTACHMENTS_TOTAL_BYTES);
  const totalBytes = c.EMBARGO_UPLOAD_MEMORY_BYTES ?? 4 * largest;
  if (totalBytes < largest) {
    throw new ConfigError(
      `invalid configuration:\n  EMBARGO_UPLOAD_MEMORY_BYTES: must be at least ${largest} (one upload of the largest size must fit)`,
    );
  }
  return {
    totalBytes,
    perAddress: c.EMBARGO_UPLOADS_PER_ADDRESS,
    minBytesPerSecond: c.EMBARGO_UPLOAD_MIN_BYTES_PER_SECOND,
    windowMs: 10_000,
  };
}

function mailParseBudget(c: RawConfig): Config["mailParse"] {
  const threads = c.EMBARGO_MAIL_PARSE_THREADS ?? Math.max(1, availableParallelism() - 1);
  const seconds = c.EMBARGO_MAIL_PARSE_SECONDS;
  const queue =
    c.EMBARGO_MAIL_PARSE_QUEUE ?? Math.max(0, Math.floor((threads * 300) / (2 * seconds)) - threads);
  return { seconds, memoryMb: c.EMBARGO_MAIL_PARSE_MEMORY_MB, threads, queue };
}

/** `embargo@<host of the public URL>`; a bare IP or no public URL gives `embargo@localhost`. */
function defaultMailFrom(publicUrl: string | undefined): string {
  const host = publicUrl === undefined ? "localhost" : new URL(publicUrl).hostname;
  return /^[\d.]+$|^\[|:/.test(host) ? "embargo@localhost" : `embargo@${host}`;
}

/** The data folder's saved settings (in the data folder the given settings name), each checked. */
function savedSettings(given: Record<string, unknown>): Record<string, string> {
  const dataDir = ConfigSchema.shape.EMBARGO_DATA_DIR.safeParse(given.EMBARGO_DATA_DIR);
  if (!dataDir.success) return {}; // the whole check names EMBARGO_DATA_DIR
  const check = (name: SavedSetting, value: string) => {
    const checked = ConfigSchema.shape[name].safeParse(value);
    return checked.success ? undefined : (checked.error.issues[0]?.message ?? "not valid");
  };
  const read = readSavedSettings(dataDir.data, check);
  if ("problem" in read) throw new ConfigError(read.problem);
  return read.values;
}

function readConfigFile(file: string): Record<string, unknown> {
  if (!existsSync(file)) return {};
  let data: unknown;
  try {
    data = parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new ConfigError(
      `${file}: not valid YAML (${error instanceof Error ? error.message.split("\n")[0] : error})`,
    );
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== "object" || Array.isArray(data))
    throw new ConfigError(`${file}: expected a mapping of settings`);
  const unknown = Object.keys(data).filter((key) => !(key in ConfigSchema.shape) && !isOidcSetting(key));
  if (unknown.length > 0) throw new ConfigError(`${file}: unknown setting(s): ${unknown.join(", ")}`);
  return Object.fromEntries(Object.entries(data).map(([key, value]) => [key, String(value)]));
}
