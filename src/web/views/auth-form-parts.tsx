import type { Role } from "../../auth/staff.js";

/**
 * The pieces the sign-in, setup and account pages share: error summaries tied to their fields,
 * the CSRF field, TOTP enrolment and the recovery-code list (shown once, never in a URL).
 */

export type Errors = Map<string, string>;

export function ErrorSummary({ errors }: { errors: Errors }) {
  if (errors.size === 0) return null;
  return (
    <div class="errors" role="alert">
      <ul>
        {[...errors].map(([field, message]) => (
          <li>{field === "form" ? message : <a href={`#${field}`}>{message}</a>}</li>
        ))}
      </ul>
    </div>
  );
}

export function FieldError({ errors, field }: { errors: Errors; field: string }) {
  const message = errors.get(field);
  return message === undefined ? null : (
    <p class="error" id={`${field}-error`}>
      {message}
    </p>
  );
}

export const describedBy = (errors: Errors, field: string, help?: string) =>
  [help, errors.has(field) ? `${field}-error` : undefined].filter(Boolean).join(" ") || undefined;

export function Csrf({ token }: { token: string }) {
  return <input type="hidden" name="_csrf" value={token} />;
}

export function Next({ next }: { next: string | undefined }) {
  return next === undefined ? null : <input type="hidden" name="next" value={next} />;
}

export interface TotpEnrolment {
  /** The secret, grouped for typing by hand. */
  secretText: string;
  /** The QR code image (same-origin SVG). */
  qrUrl: string;
  required: boolean;
}

export function TotpFields(props: { enrolment: TotpEnrolment; errors: Errors }) {
  const { enrolment } = props;
  return (
    <fieldset>
      <legend>Two-factor sign-in (TOTP) {enrolment.required ? "— required" : "— optional"}</legend>
      {enrolment.required ? (
        <p>A program you work on requires a second factor: set up an authenticator app now.</p>
      ) : (
        <p>Recommended: with an authenticator app, a stolen password alone does not let anyone in.</p>
      )}
      <p>Scan this code with an authenticator app, or type the key in by hand:</p>
      <p>
        <img src={enrolment.qrUrl} alt="QR code for your authenticator app" width={200} height={200} />
      </p>
      <p class="capability" id="totp-secret">
        {enrolment.secretText}
      </p>
      <div class="field">
        <label for="code">Code shown by the app{enrolment.required ? "" : " (leave empty to skip)"}</label>
        <FieldError errors={props.errors} field="code" />
        <input
          type="text"
          id="code"
          name="code"
          autocomplete="one-time-code"
          inputmode="numeric"
          pattern="[0-9 ]*"
          maxLength={8}
          required={enrolment.required}
          aria-describedby={describedBy(props.errors, "code")}
        />
      </div>
    </fieldset>
  );
}

export function RecoveryCodeList({ codes }: { codes: string[] }) {
  return (
    <>
      <p>
        <strong>Save these recovery codes now</strong> (print them, or keep them in your password manager).
        Each works once, in place of a code from your app, if you lose it. They are not shown again.
      </p>
      <ul class="capability" id="recovery-codes">
        {codes.map((code) => (
          <li>
            <code>{code}</code>
          </li>
        ))}
      </ul>
    </>
  );
}

export const roleName = (role: Role) => role.charAt(0).toUpperCase() + role.slice(1);
