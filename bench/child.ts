import type { Hosted, ServeFunction } from "./support.js";

/**
 * The entry point of a server child process (started by `host` in support.ts):
 * `child.ts <module URL> <spec JSON>` imports the benchmark module, calls its `serve(spec)`,
 * reports `{ type: "ready", url }` over IPC, and on `{ type: "close" }` (or when the parent
 * goes away) closes the server and exits: 0 when the close went well.
 */
const [moduleUrl, specText] = process.argv.slice(2);
const send = (message: object) =>
  new Promise<void>((resolve) => {
    if (process.send === undefined) resolve();
    else process.send(message, undefined, {}, () => resolve());
  });

function hasServe(module: unknown): module is { serve: ServeFunction } {
  return (
    typeof module === "object" && module !== null && "serve" in module && typeof module.serve === "function"
  );
}

let server: Hosted | undefined;
let closing = false;

async function closeAndExit(): Promise<void> {
  if (closing) return;
  closing = true;
  let code = 0;
  try {
    await server?.close();
  } catch (error) {
    console.error(`closing the benchmark server failed: ${error instanceof Error ? error.stack : error}`);
    code = 1;
  }
  process.exit(code);
}

try {
  if (moduleUrl === undefined || specText === undefined)
    throw new Error("usage: child.ts <module URL> <spec JSON>");
  const module: unknown = await import(moduleUrl);
  if (!hasServe(module)) throw new Error(`${moduleUrl} exports no serve(spec) function`);
  server = await module.serve(JSON.parse(specText));
  process.on("message", (message: unknown) => {
    if (typeof message === "object" && message !== null && "type" in message && message.type === "close") {
      void closeAndExit();
    }
  });
  process.on("disconnect", () => void closeAndExit());
  await send({ type: "ready", url: server.url });
} catch (error) {
  await send({
    type: "failed",
    message: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  await server?.close().catch(() => {});
  process.exit(1);
}
