import { Command } from "commander";
import { loadConfig } from "../../config.js";
import { startServer } from "../../server.js";

export function serveCommand(): Command {
  return new Command("serve")
    .description(
      "serve the policy pages, the report form, the reporter pages and the API (config: EMBARGO_* or embargo.yaml)",
    )
    .action(async () => {
      const config = loadConfig();
      const server = await startServer(config);
      process.stdout.write(`Embargo is serving ${server.url} (public URL ${config.publicUrl})\n`);
      const stop = async () => {
        await server.close();
        process.exit(0);
      };
      process.once("SIGTERM", stop);
      process.once("SIGINT", stop);
    });
}
