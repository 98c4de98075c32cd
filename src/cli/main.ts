#!/usr/bin/env node
import { CommanderError } from "commander";
import { buildCli } from "./program.js";

/** Entry point: errors go to stderr with a non-zero exit code, never a stack trace for user mistakes. */
try {
  await buildCli().parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode;
  } else {
    process.stderr.write(`embargo: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
