import type { Config } from "../../config.js";

/**
 * Where a command reads the settings (EMBARGO_*, embargo.yaml, then what `embargo serve` saved in
 * the data folder: src/saved-settings.ts): called by its action, never when
 * the command is defined, so `embargo --help` loads neither zod nor the YAML parser. Tests give a
 * plain function returning a Config.
 */
export type ConfigSource = () => Config | Promise<Config>;

/** The process's own settings: what a command reads when nothing is injected. */
export const processConfig: ConfigSource = async () =>
  (await import("../../config.js")).loadConfig(process.env, "embargo.yaml", { savedSettings: true });

/** The server's: its environment and embargo.yaml alone (it writes the saved settings, never reads them). */
export const processServerConfig: ConfigSource = async () => (await import("../../config.js")).loadConfig();
