import {
  Csrf,
  describedBy,
  ErrorSummary,
  type Errors,
  FieldError,
  Next,
  RecoveryCodeList,
  type TotpEnrolment,
  TotpFields,
} from "./auth-form-parts.js";
import { Layout } from "./layout.js";
import { PASSKEY_SCRIPTS, PasskeySignIn } from "./passkey-pages.js";
import { type SsoButton, SsoSignIn } from "./sso-pages.js";

/**
 * Sign-in and setup pages. Plain forms (no JavaScript), every input labelled, with autocomplete
 * hints so password managers and authenticator autofill work. Text is escaped by preact.
 * The account pages are in account-pages.tsx, API tokens in api-tokens-page.tsx.
 */

export type { TotpEnrolment } from "./auth-form-parts.js";

export function LoginPage(props: {
  csrfToken: string;
  next?: string;
  email?: string;
  errors: Errors;
  /** The configured identity providers (single sign-on): a button each. */
  sso?: readonly SsoButton[];
}) {
  return (
    <Layout title="Sign in" scripts={PASSKEY_SCRIPTS}>
      <h1>Sign in</h1>
      <ErrorSummary errors={props.errors} />
      <form method="post" action="/login">
        <Csrf token={props.csrfToken} />
        <Next next={props.next} />
        <div class="field">
          <label for="email">Email</label>
          <input
            type="email"
            id="email"
            name="email"
            autocomplete="username"
            required
            value={props.email ?? ""}
          />
        </div>
        <div class="field">
          <label for="password">Password</label>
          <input type="password" id="password" name="password" autocomplete="current-password" required />
        </div>
        <button type="submit">Sign in</button>
      </form>
      <SsoSignIn providers={props.sso ?? []} next={props.next} />
      <PasskeySignIn
        mode="alone"
        csrfToken={props.csrfToken}
        {...(props.next === undefined ? {} : { next: props.next })}
      />
      <p class="help">Forgot your password? Ask an administrator for a new setup link.</p>
    </Layout>
  );
}

export function TotpLoginPage(props: {
  csrfToken: string;
  next?: string;
  /** The member has an authenticator app (default), or only passkeys and recovery codes. */
  totp?: boolean;
  /** The member has passkeys: offer them. */
  passkey?: boolean;
  errors: Errors;
}) {
  const app = props.totp ?? true;
  return (
    <Layout title="Two-factor sign-in" scripts={props.passkey === true ? PASSKEY_SCRIPTS : []}>
      <h1>Enter your code</h1>
      <ErrorSummary errors={props.errors} />
      <form method="post" action="/login/totp">
        <Csrf token={props.csrfToken} />
        <Next next={props.next} />
        <div class="field">
          <label for="code">
            {app ? "Code from your authenticator app, or a recovery code" : "Recovery code"}
          </label>
          <p class="help" id="code-help">
            {app ? "Six digits from the app; a" : "A"} recovery code looks like <code>abcde-fghij</code> and
            works once.
          </p>
          <FieldError errors={props.errors} field="code" />
          <input
            type="text"
            id="code"
            name="code"
            autocomplete="one-time-code"
            inputmode="text"
            autocapitalize="none"
            spellcheck={false}
            required
            maxLength={32}
            aria-describedby={describedBy(props.errors, "code", "code-help")}
          />
        </div>
        <button type="submit">Continue</button>
      </form>
      {props.passkey === true ? (
        <>
          <PasskeySignIn
            mode="second-factor"
            csrfToken={props.csrfToken}
            {...(props.next === undefined ? {} : { next: props.next })}
          />
          <noscript>
            <p class="help">Using your passkey needs JavaScript; a recovery code works without it.</p>
          </noscript>
        </>
      ) : null}
      <form method="post" action="/logout">
        <Csrf token={props.csrfToken} />
        {/* One primary action per page: leaving is the other way out, so it is outlined. */}
        <button type="submit" class="secondary">
          Cancel and sign out
        </button>
      </form>
    </Layout>
  );
}

function NewPasswordFields(props: { errors: Errors }) {
  return (
    <>
      <div class="field">
        <label for="password">New password</label>
        <p class="help" id="password-help">
          At least 12 characters. A passphrase of several words is easy to remember and hard to guess.
        </p>
        <FieldError errors={props.errors} field="password" />
        <input
          type="password"
          id="password"
          name="password"
          autocomplete="new-password"
          minLength={12}
          maxLength={1024}
          required
          aria-describedby={describedBy(props.errors, "password", "password-help")}
        />
      </div>
      <div class="field">
        <label for="password2">New password, again</label>
        <FieldError errors={props.errors} field="password2" />
        <input
          type="password"
          id="password2"
          name="password2"
          autocomplete="new-password"
          required
          aria-describedby={describedBy(props.errors, "password2")}
        />
      </div>
    </>
  );
}

export function SetupPage(props: {
  csrfToken: string;
  action: string;
  /** The account's email; undefined for the first administrator, who types it. */
  email?: string;
  emailValue?: string;
  purpose: "setup" | "reset";
  totp?: TotpEnrolment;
  errors: Errors;
}) {
  const first = props.email === undefined;
  return (
    <Layout title={props.purpose === "reset" ? "Choose a new password" : "Set up your account"}>
      <h1>{props.purpose === "reset" ? "Choose a new password" : "Set up your account"}</h1>
      {first ? (
        <p>You are creating the first administrator of this Embargo, with access to every program.</p>
      ) : (
        <p>
          Account: <strong>{props.email}</strong>
        </p>
      )}
      <ErrorSummary errors={props.errors} />
      <form method="post" action={props.action}>
        <Csrf token={props.csrfToken} />
        {first ? (
          <div class="field">
            <label for="email">Your email</label>
            <FieldError errors={props.errors} field="email" />
            <input
              type="email"
              id="email"
              name="email"
              autocomplete="username"
              required
              value={props.emailValue ?? ""}
              aria-describedby={describedBy(props.errors, "email")}
            />
          </div>
        ) : (
          // Lets password managers store the new password under the right account.
          <input type="hidden" name="username" autocomplete="username" value={props.email} />
        )}
        <NewPasswordFields errors={props.errors} />
        {props.totp === undefined ? null : <TotpFields enrolment={props.totp} errors={props.errors} />}
        <button type="submit">Save</button>
      </form>
    </Layout>
  );
}

export function SetupDonePage(props: { email: string; recoveryCodes?: string[] }) {
  return (
    <Layout title="Account ready">
      <h1>Your account is ready</h1>
      <p>
        You can now sign in as <strong>{props.email}</strong>.
      </p>
      {props.recoveryCodes === undefined ? null : <RecoveryCodeList codes={props.recoveryCodes} />}
      <p>
        <a href="/login">Sign in</a>
      </p>
    </Layout>
  );
}

export function LinkInvalidPage() {
  return (
    <Layout title="Link not valid">
      <h1>This link does not work</h1>
      <p>
        It was used already, or it expired. Setup links work once, for 72 hours. Ask an administrator for a
        new one.
      </p>
    </Layout>
  );
}
