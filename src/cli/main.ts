#!/usr/bin/env node
import { processIo } from "./io.js";
import { runCommandLine } from "./program.js";

/** Entry point: errors go to stderr with a non-zero exit code, never a stack trace for user mistakes. */
process.exitCode = await runCommandLine(process.argv.slice(2), processIo());
