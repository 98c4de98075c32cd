import { PASSKEY_NAME_MAX } from "../../auth/passkeys.js";
import { Csrf, describedBy, ErrorSummary, type Errors, FieldError, Next } from "./auth-form-parts.js";
import { ScrollingTable, StaffLayout } from "./staff-common.js";

/**
 * Passkeys: the member's list (rename and remove are plain forms), adding one, and the sign-in
 * button of the sign-in pages. Creating or using a passkey is the browser's WebAuthn API, so
 * those parts need JavaScript: /assets/passkeys.js, with the vendored @simplewebauthn/browser
 * before it. They stay hidden until the script finds WebAuthn, and the page says so.
 */
export const PASSKEY_SCRIPTS = ["/assets/vendor/simplewebauthn-browser.js", "/assets/passkeys.js"];

export interface PasskeyRow {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

const when = (iso: string) => `${iso.slice(0, 16).replace("T", " ")} UTC`;

/** Where /assets/passkeys.js shows recovery codes that came back in a JSON answer, once. */
export function PasskeyRecoveryCodes(props: { done: string }) {
  return (
    <section id="passkey-recovery-codes" hidden>
      <h2>Your recovery codes</h2>
      <p>
        <strong>Write these down now:</strong> they are not shown again. Each one signs you in once if you
        lose your passkey.
      </p>
      <ul class="capability" data-recovery-codes></ul>
      <p>
        <a href={props.done}>Done</a>
      </p>
    </section>
  );
}

/**
 * The account page's "Make new recovery codes" for a member with a passkey: the passkey
 * confirms it (src/commands/passkey-confirm.ts), through the script's sign-in ceremony.
 */
export function PasskeyRecoveryCodesForm(props: { csrfToken: string }) {
  return (
    <>
      <form
        class="passkey"
        data-passkey="sign-in"
        data-options-url="/account/recovery-codes/passkey/options"
        data-verify-url="/account/recovery-codes/passkey"
        hidden
      >
        <Csrf token={props.csrfToken} />
        <button type="submit" class="secondary">
          Make new recovery codes with your passkey
        </button>
        <p class="help" data-passkey-status role="status" aria-live="polite"></p>
      </form>
      <PasskeyRecoveryCodes done="/account" />
    </>
  );
}

/**
 * The sign-in pages' passkey button. `alone` on /login (any passkey of this site: it names its
 * member); `second-factor` on the second step, after the password.
 */
export function PasskeySignIn(props: { mode: "alone" | "second-factor"; csrfToken: string; next?: string }) {
  const base = props.mode === "alone" ? "/login/passkey" : "/login/totp/passkey";
  return (
    <form
      class="passkey"
      data-passkey="sign-in"
      data-options-url={`${base}/options`}
      data-verify-url={base}
      hidden
    >
      <Csrf token={props.csrfToken} />
      <Next next={props.next} />
      <h2>{props.mode === "alone" ? "Or use a passkey" : "Or use your passkey"}</h2>
      <button type="submit" class="secondary">
        {props.mode === "alone" ? "Sign in with a passkey" : "Use a passkey"}
      </button>
      <p class="help" data-passkey-status role="status" aria-live="polite"></p>
    </form>
  );
}

export function PasskeysPage(props: {
  csrfToken: string;
  email: string;
  passkeys: PasskeyRow[];
  /** Programs that require signing in with a passkey, which this session has not done. */
  required: string[];
  errors: Errors;
}) {
  return (
    <StaffLayout title="Passkeys" csrfToken={props.csrfToken} email={props.email} scripts={PASSKEY_SCRIPTS}>
      <h1>Passkeys</h1>
      <p>
        A passkey signs you in with your device's fingerprint, face or PIN instead of a password and code; a
        security key works the same way. It only answers this site, so a look-alike page cannot phish it.
        After a password, a passkey also counts as the second factor.
      </p>
      {props.required.length === 0 ? null : (
        <p class="error" role="alert">
          {props.required.join(", ")} {props.required.length === 1 ? "requires" : "require"} signing in with a
          passkey. Add one below, or sign out and sign in again with the one you have.
        </p>
      )}
      <ErrorSummary errors={props.errors} />
      <h2>Your passkeys</h2>
      {props.passkeys.length === 0 ? (
        <p>No passkeys yet.</p>
      ) : (
        <ScrollingTable label="Your passkeys">
          <table class="passkeys">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Added</th>
                <th scope="col">Last used</th>
                <th scope="col">Remove</th>
              </tr>
            </thead>
            <tbody>
              {props.passkeys.map((passkey, index) => (
                <tr>
                  <td>
                    <form method="post" action={`/account/passkeys/${passkey.id}/rename`} class="inline">
                      <Csrf token={props.csrfToken} />
                      <label for={`passkey-name-${index}`} class="visually-hidden">
                        Name of {passkey.name}
                      </label>
                      <input
                        type="text"
                        id={`passkey-name-${index}`}
                        name="name"
                        autocomplete="off"
                        required
                        maxLength={PASSKEY_NAME_MAX}
                        value={passkey.name}
                      />{" "}
                      <button type="submit" class="secondary" aria-label={`Rename ${passkey.name}`}>
                        Rename
                      </button>
                    </form>
                  </td>
                  <td>{when(passkey.createdAt)}</td>
                  <td>{passkey.lastUsedAt === null ? "never" : when(passkey.lastUsedAt)}</td>
                  <td>
                    <form method="post" action={`/account/passkeys/${passkey.id}/remove`} class="inline">
                      <Csrf token={props.csrfToken} />
                      <button type="submit" class="secondary" aria-label={`Remove ${passkey.name}`}>
                        Remove
                      </button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollingTable>
      )}
      <h2>Add a passkey</h2>
      <p>
        Adding a passkey needs JavaScript: the page asks your browser to make one with your device or security
        key. Renaming and removing work without it.
      </p>
      <form
        data-passkey="register"
        data-options-url="/account/passkeys/options"
        data-verify-url="/account/passkeys"
        hidden
      >
        <Csrf token={props.csrfToken} />
        <div class="field">
          <label for="passkey-name">Name</label>
          <p class="help" id="passkey-name-help">
            So you can tell your passkeys apart, e.g. “Work laptop” or “Blue security key”.
          </p>
          <FieldError errors={props.errors} field="passkey-name" />
          <input
            type="text"
            id="passkey-name"
            name="name"
            autocomplete="off"
            maxLength={PASSKEY_NAME_MAX}
            aria-describedby={describedBy(props.errors, "passkey-name", "passkey-name-help")}
          />
        </div>
        <button type="submit">Add a passkey</button>
        <p class="help" data-passkey-status role="status" aria-live="polite"></p>
      </form>
      <PasskeyRecoveryCodes done="/account/passkeys" />
      <p>
        <a href="/account">Back to your account</a>
      </p>
    </StaffLayout>
  );
}
