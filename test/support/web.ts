import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import type { Logger } from "pino";
import { type Config, loadConfig } from "../../src/config.js";
import type { Keyring } from "../../src/crypto/keyring.js";
import { deriveMailKey } from "../../src/mail/reply-token.js";
import { loadPolicies } from "../../src/policy/loader.js";
import { ProgramRegistry } from "../../src/programs/registry.js";
import { derivePowKey } from "../../src/server.js";
import { loadKeyring } from "../../src/store/data-keys.js";
import type { Store } from "../../src/store/database.js";
import { migrate } from "../../src/store/migrate.js";
import { buildApp, type EmbargoApp } from "../../src/web/app.js";
import { createLogger } from "../../src/web/logging.js";

export const PUBLIC_URL = "https://security.example.org";

export interface TestApp {
  app: EmbargoApp;
  store: Store;
  config: Config;
  /** The app's keyring, to read what the store holds. */
  keyring: Keyring;
  programs: ProgramRegistry;
  logger: Logger;
  /** Derived from the app's master key, as the server does (reply addresses). */
  mailKey: Buffer;
  /** Everything the server logged, as text. */
  logs(): string;
  /** The injected clock; tests move it with `clock.set`. */
  clock: { now(): Date; set(date: Date): void };
  close(): Promise<void>;
}

/** Builds the real app on a real database, driven with `app.inject`: no port needed. */
export async function startTestApp(
  openStore: () => Promise<Store>,
  overrides: Partial<Config> = {},
  options: { policies?: string; masterKey?: Buffer } = {},
): Promise<TestApp> {
  const store = await openStore();
  await migrate(store);
  // Given when another process (the CLI) must read and write the same encrypted data.
  const masterKey = options.masterKey ?? randomBytes(32);
  const keyring = await loadKeyring(store, masterKey);
  const { policies, problems } = await loadPolicies(options.policies ?? "examples/policies");
  if (problems.length > 0) throw new Error("example policies have problems");
  const base = loadConfig(
    { EMBARGO_PUBLIC_URL: PUBLIC_URL, EMBARGO_LOG_LEVEL: "info" },
    "/nonexistent/embargo.yaml",
  );
  const config: Config = {
    ...base,
    rateLimits: {
      perAddressPerHour: 10_000,
      perAddressWithoutPowPerHour: 10_000,
      perProgramPerHour: 100_000,
      requestsPerMinute: 100_000,
    },
    // Tests send many requests at once from one address; test/web/upload-gate.test.ts sets its own.
    uploads: { ...base.uploads, perAddress: 1_000 },
    ...overrides,
  };
  let lines = "";
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines += chunk.toString("utf8");
      done();
    },
  });
  let now = new Date("2026-11-25T10:00:00Z");
  const clock = { now: () => now, set: (date: Date) => (now = date) };
  const programs = new ProgramRegistry(policies, config.defaultProgram);
  const logger = createLogger(config.logLevel, sink);
  const app = await buildApp({
    config,
    programs,
    store,
    keyring,
    logger,
    clock: clock.now,
    powKey: derivePowKey(masterKey),
    mailKey: deriveMailKey(masterKey),
  });
  await app.ready();
  return {
    app,
    store,
    config,
    keyring,
    programs,
    logger,
    mailKey: deriveMailKey(masterKey),
    logs: () => lines,
    clock,
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}

/** Loads a form page like a browser: its CSRF token and the cookie that goes with it. */
export async function openForm(
  app: EmbargoApp,
  url: string,
): Promise<{ csrf: string; cookie: string; html: string }> {
  const response = await app.inject({ method: "GET", url });
  if (response.statusCode !== 200) throw new Error(`GET ${url}: ${response.statusCode}`);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(response.body)?.[1];
  const setCookie = response.headers["set-cookie"];
  const cookie = (Array.isArray(setCookie) ? setCookie : [setCookie ?? ""])
    .map((c) => c.split(";")[0])
    .join("; ");
  if (csrf === undefined || cookie === "") throw new Error(`GET ${url}: no CSRF token or cookie`);
  return { csrf, cookie, html: response.body };
}

export interface UploadFile {
  name: string;
  filename: string;
  type: string;
  data: Buffer;
}

/** Encodes fields and files as multipart/form-data, exactly as a browser would send them. */
export async function multipart(
  fields: Record<string, string>,
  files: UploadFile[] = [],
): Promise<{ payload: Buffer; headers: Record<string, string> }> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  for (const file of files)
    form.append(file.name, new Blob([new Uint8Array(file.data)], { type: file.type }), file.filename);
  const request = new Request("http://localhost/", { method: "POST", body: form });
  return {
    payload: Buffer.from(await request.arrayBuffer()),
    headers: { "content-type": request.headers.get("content-type") ?? "" },
  };
}

/** The reporter token from a 303 Location or a reporter URL. */
export function tokenFrom(location: string): string {
  const token = /\/r\/([A-Za-z0-9_-]{43})/.exec(location)?.[1];
  if (token === undefined) throw new Error(`no reporter token in ${location}`);
  return token;
}
