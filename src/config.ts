import { existsSync, readFileSync } from "node:fs";
import { parse } from "yaml";
import { z } from "zod";

/**
 * Embargo's configuration, validated once at start into one typed object. Every setting comes
 * from the environment or, with the same name, from an optional `embargo.yaml`; the
 * environment wins. An invalid setting stops the start with a message that names it.
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
  /** Messages per hour from one sender (address and IP) to the listener. */
  EMBARGO_MAIL_PER_HOUR_PER_SENDER: z.coerce.number().int().positive().default(20),
  /** IMAP polling of an existing mailbox instead of (or besides) the listener: imap(s)://user:password@host:port/INBOX */
  EMBARGO_IMAP_URL: z
    .url({ protocol: /^imaps?$/, message: "expected imap(s)://user:password@host:port/mailbox" })
    .optional(),
  EMBARGO_IMAP_POLL_SECONDS: z.coerce.number().int().min(5).max(3600).default(60),
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
  /** Reports per hour from one address with a solved proof-of-work, and without (JavaScript off, Tor). */
  EMBARGO_REPORTS_PER_HOUR_PER_ADDRESS: z.coerce.number().int().positive().default(20),
  EMBARGO_REPORTS_PER_HOUR_PER_ADDRESS_WITHOUT_POW: z.coerce.number().int().positive().default(5),
  EMBARGO_REPORTS_PER_HOUR_PER_PROGRAM: z.coerce.number().int().positive().default(500),
  /** Every request, per address: a ceiling against floods, far above what a person clicks. */
  EMBARGO_REQUESTS_PER_MINUTE_PER_ADDRESS: z.coerce.number().int().positive().default(600),
  EMBARGO_TRUST_PROXY: z
    .enum(["true", "false"])
    .default("false")
    .transform((value) => value === "true"),
  EMBARGO_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type RawConfig = z.output<typeof ConfigSchema>;

export interface Config {
  databaseUrl: string;
  policies: string;
  publicUrl: string;
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
    perSenderPerHour: number;
  };
  imap?: { url: string; pollSeconds: number };
  worker: boolean;
  deliveryLeaseMs: number;
  limits: { attachmentBytes: number; attachmentsTotalBytes: number };
  rateLimits: {
    perAddressPerHour: number;
    perAddressWithoutPowPerHour: number;
    perProgramPerHour: number;
    requestsPerMinute: number;
  };
  trustProxy: boolean;
  logLevel: RawConfig["EMBARGO_LOG_LEVEL"];
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, file = "embargo.yaml"): Config {
  const fromFile = readConfigFile(file);
  const merged: Record<string, unknown> = { ...fromFile };
  for (const key of Object.keys(ConfigSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== "") merged[key] = value;
  }
  const parsed = ConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n  ${problems.join("\n  ")}`);
  }
  const c = parsed.data;
  if ((c.EMBARGO_SMTP_TLS_CERT === undefined) !== (c.EMBARGO_SMTP_TLS_KEY === undefined)) {
    throw new ConfigError(
      "invalid configuration:\n  EMBARGO_SMTP_TLS_CERT and EMBARGO_SMTP_TLS_KEY: give both (the certificate and its key) or neither",
    );
  }
  return {
    databaseUrl: c.EMBARGO_DATABASE_URL,
    policies: c.EMBARGO_POLICIES,
    publicUrl: (c.EMBARGO_PUBLIC_URL ?? `http://${c.EMBARGO_HOST}:${c.EMBARGO_PORT}`).replace(/\/+$/, ""),
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
      perSenderPerHour: c.EMBARGO_MAIL_PER_HOUR_PER_SENDER,
    },
    ...(c.EMBARGO_IMAP_URL === undefined
      ? {}
      : { imap: { url: c.EMBARGO_IMAP_URL, pollSeconds: c.EMBARGO_IMAP_POLL_SECONDS } }),
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
    trustProxy: c.EMBARGO_TRUST_PROXY,
    logLevel: c.EMBARGO_LOG_LEVEL,
  };
}

/** `embargo@<host of the public URL>`; a bare IP or no public URL gives `embargo@localhost`. */
function defaultMailFrom(publicUrl: string | undefined): string {
  const host = publicUrl === undefined ? "localhost" : new URL(publicUrl).hostname;
  return /^[\d.]+$|^\[|:/.test(host) ? "embargo@localhost" : `embargo@${host}`;
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
  const unknown = Object.keys(data).filter((key) => !(key in ConfigSchema.shape));
  if (unknown.length > 0) throw new ConfigError(`${file}: unknown setting(s): ${unknown.join(", ")}`);
  return Object.fromEntries(Object.entries(data).map(([key, value]) => [key, String(value)]));
}
