import { parseArgs } from "node:util";
import { BenchError, type BenchmarkModule, type BenchOptions, cleanUpEverything } from "./support.js";

/**
 * `npm run bench -- [name…] [--duration s] [--connections n] [--warmup s] [--in-process]`
 *
 * Runs the named benchmarks, or all of them, one after the other. Each benchmark is one module
 * under bench/ exporting `description` and `run(options)` (see support.ts); add it here.
 */
const BENCHMARKS: Record<string, () => Promise<BenchmarkModule>> = {
  intake: () => import("./intake.js"),
  inbox: () => import("./inbox.js"),
  timers: () => import("./timers.js"),
  "mail-stall": () => import("./mail-stall.js"),
  "mail-memory": () => import("./mail-memory.js"),
  mail: () => import("./mail.js"),
  affected: () => import("./affected.js"),
  "store-copy": () => import("./store-copy.js"),
  "commit-pages": () => import("./commit-pages.js"),
  soak: () => import("./soak.js"),
};

const USAGE = `usage: npm run bench -- [name…] [--duration <s>] [--connections <n>] [--warmup <s>] [--in-process]

  name             one of: ${Object.keys(BENCHMARKS).join(", ")} (default: all)
  --duration       seconds of measured load per target (default 10)
  --connections    concurrent connections (default 50)
  --warmup         seconds of unmeasured load per target first (default 2; 0 for none)
  --in-process     run the servers in the load generator's process instead of child processes
  --postgres       (inbox, timers) on PostgreSQL (EMBARGO_BENCH_DATABASE_URL) instead of SQLite
  --cases, --due, --queries   (inbox, timers) sizes; see each benchmark's file
  --keep           (inbox) keep the database in this file (SQLite) or schema (PostgreSQL), and
                   measure it again without loading when it already holds cases
  --runs           (mail-memory) runs per message kind, the median reported (default 3)
  soak             --duration is the soak length (default 240 s for soak; 1800 for a 30-minute soak)
  --built          (soak) measure the built dist/cli/main.js serve instead of src/ under tsx`;

function fail(message: string, code = 2): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(code);
}

function positiveNumber(flag: string, text: string | undefined, fallback: number, allowZero = false): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || (value === 0 && !allowZero)) {
    fail(`--${flag} expects a ${allowZero ? "non-negative" : "positive"} number, got "${text}"`);
  }
  return value;
}

async function main(): Promise<void> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const unknown = positionals.filter((name) => !(name in BENCHMARKS));
  if (unknown.length > 0) {
    fail(
      `unknown benchmark ${unknown.map((name) => `"${name}"`).join(", ")}; the benchmarks are: ${Object.keys(BENCHMARKS).join(", ")}`,
    );
  }
  const connections = positiveNumber("connections", values.connections, 50);
  if (!Number.isInteger(connections))
    fail(`--connections expects a whole number, got "${values.connections}"`);
  const options: BenchOptions = {
    duration: positiveNumber("duration", values.duration, 10),
    connections,
    warmup: positiveNumber("warmup", values.warmup, 2, true),
    inProcess: values["in-process"] ?? false,
  };

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: cleaning up`);
      void cleanUpEverything().finally(() => process.exit(130));
    });
  }

  const names = positionals.length > 0 ? positionals : Object.keys(BENCHMARKS);
  for (const [index, name] of names.entries()) {
    const load = BENCHMARKS[name];
    if (load === undefined) continue;
    if (index > 0) console.log("");
    const benchmark = await load();
    console.log(`# ${name}: ${benchmark.description}`);
    await benchmark.run(options);
  }
}

function parse() {
  return parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: {
      duration: { type: "string" },
      connections: { type: "string" },
      warmup: { type: "string" },
      "in-process": { type: "boolean" },
      // Read by the benchmarks that use them (inbox, timers, mail-memory), from process.argv.
      postgres: { type: "boolean" },
      cases: { type: "string" },
      due: { type: "string" },
      queries: { type: "string" },
      runs: { type: "string" },
      keep: { type: "string" },
      built: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
}

main().then(
  () => {
    process.exitCode = 0;
  },
  (error: unknown) => {
    if (error instanceof BenchError) console.error(error.message);
    else console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
  },
);
