import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.{ts,tsx}", "test/**/*.test.{ts,tsx}"],
    // Generous: the CLI and process tests spawn Node with tsx, slow on a busy two-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
