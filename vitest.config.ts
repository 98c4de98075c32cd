import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.{ts,tsx}", "test/**/*.test.{ts,tsx}"],
    // Three workers on the two-core machine the suite runs on (vitest's default is CPUs − 1, one
    // worker here): much of a test's time is waiting on PostgreSQL, SMTP, Chromium or a spawned
    // `embargo serve`, so a third worker fills that time. Four made CPU-timed mail tests flaky.
    maxWorkers: 3,
    // Files share a worker's module graph instead of importing everything again per file: loading
    // the app (Kysely, Fastify, zod, mailparser, date-holidays…) took 240 of the suite's worker
    // seconds. Tests keep no state in modules: each builds its own store, app and clock.
    isolate: false,
    // Generous: the process tests spawn Node with tsx, slow on a busy two-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
