import type { Config } from "../../config.js";

/**
 * Where a command reads the settings (EMBARGO_*, embargo.yaml): called by its action, never when
 * the command is defined, so `embargo --help` loads neither zod nor the YAML parser. Tests give a
 * plain function returning a Config.
 */
export type ConfigSource = () => Config | Promise<Config>;

/** The process's own settings: what a command reads when nothing is injected. */
export const processConfig: ConfigSource = async () => (await import("../../config.js")).loadConfig();
