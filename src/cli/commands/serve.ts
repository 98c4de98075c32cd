import { Command } from "commander";
import { type ConfigSource, processServerConfig } from "./settings.js";

/** Where `embargo serve` prints its address and reads its settings; defaults are the process's own. */
export interface ServeCommandIo {
  stdout?: (text: string) => void;
  config?: ConfigSource;
}

/** Runs until SIGTERM or SIGINT, which close the server and end the process. */
export function serveCommand(io: ServeCommandIo = {}): Command {
  const stdout = io.stdout ?? ((text: string) => void process.stdout.write(text));
  const loadSettings = io.config ?? processServerConfig;
  return new Command("serve")
    .description(
      "serve the policy pages, the report form, the reporter pages and the API (config: EMBARGO_* or embargo.yaml; saves where it is in EMBARGO_DATA_DIR/embargo.env for the other commands)",
    )
    .action(async () => {
      const config = await loadSettings();
      // Loaded here, not at the top: the other commands (a commit-msg hook's `embargo guard`) then
      // start without the whole web server.
      const { startServer } = await import("../../server.js");
      const server = await startServer(config);
      stdout(`Embargo is serving ${server.url} (public URL ${config.publicUrl})\n`);
      const stop = async () => {
        await server.close();
        process.exit(0);
      };
      process.once("SIGTERM", stop);
      process.once("SIGINT", stop);
    });
}
