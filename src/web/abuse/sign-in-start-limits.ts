import { limitedAddress } from "../../domain/limits/limited-address.js";
import type { BucketRule, CounterKeys, Take } from "../../store/rate-counters.js";

/**
 * How often one address may begin a passkey sign-in (/login/passkey/options) or a single sign-on. The route is
 * anonymous and stores a challenge row per request (src/auth/passkey-challenges.ts), so without
 * a limit a stranger could fill `webauthn_challenges` as fast as they can post. A person clicks
 * "Sign in with a passkey" a few times at most; 20 per 10 minutes, refilled evenly, lets an
 * office behind one address sign in together and bounds what one address can store to about
 * 20 rows per challenge lifetime. Addresses count as limitedAddress does (an IPv6 /64 as one).
 */
export const PASSKEY_OPTIONS_RULE: BucketRule = { capacity: 20, windowMs: 10 * 60_000 };

/** Pure: the token one passkey sign-in's options take, from the client address `ip`. */
export function passkeyOptionsTake(keys: CounterKeys, ip: string, rule = PASSKEY_OPTIONS_RULE): Take {
  return { key: keys.key("passkey-options-address", limitedAddress(ip)), rule };
}

/**
 * The same for beginning a single sign-on (GET /login/oidc/{provider}): anonymous too, and each
 * start stores the attempt's checks (src/auth/oidc-logins.ts) for 10 minutes. Its own count, so
 * one way of signing in cannot use up the other's.
 */
export function ssoStartTake(keys: CounterKeys, ip: string, rule = PASSKEY_OPTIONS_RULE): Take {
  return { key: keys.key("sso-start-address", limitedAddress(ip)), rule };
}
