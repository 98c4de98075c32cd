import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import Database from "better-sqlite3";
import Fastify from "fastify";
import { z } from "zod";
import type { Hosted } from "./support.js";

/**
 * The soak benchmark's baseline (soak.ts): a bare Fastify process that takes the same report
 * POSTs into SQLite (WAL, synchronous = FULL, as Embargo) and nothing else. It imports nothing of
 * Embargo, so its RSS is what the runtime, the loader (tsx, as for Embargo's child), Fastify and
 * SQLite cost under the same request loop: the floor Embargo's RSS is compared with.
 */
export const BASELINE_MODULE = import.meta.url;
export const BASELINE_REPORTS_PATH = "/api/v1/programs/kafe/reports";

const Spec = z.object({ file: z.string() });
const Report = z.object({ title: z.string(), fields: z.record(z.string(), z.string()) }).passthrough();

export async function serve(spec: unknown): Promise<Hosted> {
  const { file } = Spec.parse(spec);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.exec(
    "create table if not exists reports (id text primary key, received_at text not null, body text not null)",
  );
  const insert = db.prepare<[string, string, string]>(
    "insert into reports (id, received_at, body) values (?, ?, ?)",
  );
  const app = Fastify({ logger: false });
  app.post(BASELINE_REPORTS_PATH, async (request, reply) => {
    const parsed = Report.safeParse(request.body);
    if (!parsed.success) return reply.status(400).send({ error: "invalid_report" });
    const id = randomBytes(10).toString("base64url");
    insert.run(id, new Date().toISOString(), JSON.stringify(parsed.data));
    return reply.status(201).send({ id });
  });
  const url = await app.listen({ host: "127.0.0.1", port: 0 });
  return {
    url,
    close: async () => {
      await app.close();
      db.close();
    },
  };
}
