import type { Config } from "../../config.js";

/**
 * Said (on stderr) next to a link a command prints when nothing told it where the server is:
 * no EMBARGO_PUBLIC_URL in the environment or embargo.yaml, and no settings saved by `embargo
 * serve` in the data folder. The link then names the default listen address, which is seldom
 * where the person who gets it can reach Embargo. Empty when the address is known.
 */
export function unknownAddressWarning(settings: Config): string {
  if (settings.publicUrlFromListenAddress !== true) return "";
  return (
    `warning: the server's address is not known: set EMBARGO_PUBLIC_URL (or start embargo serve once with ` +
    `EMBARGO_DATA_DIR=${settings.dataDir}); the link above assumes ${settings.publicUrl}\n`
  );
}
