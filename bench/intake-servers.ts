import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import path from "node:path";
import Database from "better-sqlite3";
import { z } from "zod";
import { encryptText, type KeySource } from "../src/crypto/envelope.js";
import { aad } from "../src/store/aad.js";
import { type EmbargoSpec, serveBenchEmbargo, UNLIMITED } from "./embargo-server.js";
import type { Hosted } from "./support.js";

/**
 * The servers the intake benchmark (intake.ts) measures: Embargo itself and the bare baseline.
 * They run in child processes of their own (see child.ts), which import this module by
 * SERVERS_MODULE and call its `serve(spec)`; keeping them apart from the load and the report
 * means a child loads only what it serves.
 */

/** What `host` hands a child process so that it imports this module. */
export const SERVERS_MODULE = import.meta.url;

export const PROGRAM = "kafe";
export const REPORTS_PATH = `/api/v1/programs/${PROGRAM}/reports`;

const ServeSpec = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("baseline"), file: z.string() }),
  z.object({ kind: z.literal("embargo"), databaseUrl: z.string(), dataDir: z.string() }),
]);
export type ServeSpec = z.infer<typeof ServeSpec>;

export async function serve(spec: unknown): Promise<Hosted> {
  const parsed = ServeSpec.parse(spec);
  return parsed.kind === "baseline" ? serveBaseline(parsed.file) : serveEmbargo(parsed);
}

/** Embargo itself, configured from an environment the way `embargo serve` would be. */
function serveEmbargo(spec: EmbargoSpec): Promise<Hosted> {
  return serveBenchEmbargo(spec, {
    // The job runner works as in `embargo serve` (new-report notices are queued and tried);
    // EMBARGO_WORKER=off measures intake alone.
    EMBARGO_WORKER: process.env.EMBARGO_WORKER ?? "on",
    // Every request comes from 127.0.0.1: raise the limits so the benchmark measures intake.
    EMBARGO_REPORTS_PER_HOUR_PER_ADDRESS: UNLIMITED,
    EMBARGO_REPORTS_PER_HOUR_PER_ADDRESS_WITHOUT_POW: UNLIMITED,
    EMBARGO_REPORTS_PER_HOUR_PER_PROGRAM: UNLIMITED,
    EMBARGO_UPLOADS_PER_ADDRESS: "100",
  });
}

const BODY_LIMIT = 1024 * 1024;

/**
 * The baseline: no framework, no validation beyond the JSON's shape, no policy, no events. Per
 * request it parses the body, encrypts the report and the contact with Embargo's AES-256-GCM
 * envelope code, and commits one insert to SQLite with Embargo's pragmas (WAL, synchronous=FULL:
 * an fsync per commit), then answers 201.
 */
async function serveBaseline(file: string): Promise<Hosted> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 10000");
  db.exec(`create table if not exists reports (
    id text primary key, program text not null, received_at text not null,
    report_ct text not null, contact_ct text)`);
  const insert = db.prepare<[string, string, string, string, string | null]>(
    "insert into reports (id, program, received_at, report_ct, contact_ct) values (?, ?, ?, ?, ?)",
  );
  const key = randomBytes(32);
  const keys: KeySource = {
    active: { id: "k1", key },
    get: (id) => {
      if (id !== "k1") throw new Error(`unknown key ${id}`);
      return key;
    },
  };

  const take = (body: string): { status: number; answer: object } => {
    let report: unknown;
    try {
      report = JSON.parse(body);
    } catch {
      return { status: 400, answer: { error: "malformed_json" } };
    }
    if (!isReportShape(report)) return { status: 400, answer: { error: "invalid_report" } };
    const id = randomBytes(10).toString("base64url");
    const { title, fields, credit, contact } = report;
    const reportCt = encryptText(keys, JSON.stringify({ title, fields, credit }), aad.report(id));
    const contactCt =
      contact === undefined ? null : encryptText(keys, JSON.stringify(contact), aad.contact(id));
    insert.run(id, PROGRAM, new Date().toISOString(), reportCt, contactCt);
    return { status: 201, answer: { id } };
  };

  const server = createServer((request, response) => {
    if (request.method !== "POST" || request.url !== REPORTS_PATH) {
      request.resume();
      send(response, 404, { error: "not_found" });
      return;
    }
    readBody(request, BODY_LIMIT).then(
      (body) => {
        if (body === undefined) return send(response, 413, { error: "too_large" });
        try {
          const { status, answer } = take(body);
          send(response, status, answer);
        } catch {
          send(response, 500, { error: "internal_error" });
        }
      },
      () => response.destroy(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      const closed = new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
      server.closeAllConnections();
      await closed;
      db.close();
    },
  };
}

interface ReportShape {
  title: string;
  fields: Record<string, string>;
  credit?: unknown;
  contact?: unknown;
}

function isReportShape(value: unknown): value is ReportShape {
  if (typeof value !== "object" || value === null) return false;
  if (!("title" in value) || typeof value.title !== "string") return false;
  if (!("fields" in value) || typeof value.fields !== "object" || value.fields === null) return false;
  return Object.values(value.fields).every((answer) => typeof answer === "string");
}

/** The body as text; undefined when it is larger than `limit` bytes. */
function readBody(request: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    request.on("end", () => resolve(size <= limit ? Buffer.concat(chunks).toString("utf8") : undefined));
    request.on("error", reject);
  });
}

function send(response: ServerResponse, status: number, answer: object): void {
  const text = JSON.stringify(answer);
  response.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
}
