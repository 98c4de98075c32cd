import { creditFields, templateAsksCredit } from "../../intake/credit-choice.js";
import { fileFields } from "../../intake/file-answers.js";
import type { LoadedPolicy } from "../../policy/loader.js";
import { Layout } from "./layout.js";

/** What the person typed, kept when the form is shown again with errors. */
export type FormValues = Record<string, string>;

/** How to send a report by encrypted mail, for a program that requires encrypted reports. */
export interface MailEncryption {
  /** The program's report addresses. */
  addresses: string[];
  /** Where its OpenPGP key is (its own openpgp.asc, else the policy's link); none when unknown. */
  keyUrl?: string;
  /** The policy's own words on encryption. */
  guidance?: string;
}

interface ReportFormProps {
  program: LoadedPolicy;
  values: FormValues;
  errors: Map<string, string>;
  csrfToken: string;
  limits: { attachmentBytes: number; attachmentsTotalBytes: number };
  /** Whether the public address is https://, so the report is encrypted on its way here. */
  encryptedInTransit: boolean;
  /** Present when the policy requires encrypted reports. */
  mailEncryption?: MailEncryption;
}

/**
 * The program's report template as a plain HTML form: it works with JavaScript off. With
 * JavaScript on, /assets/pow.js solves a proof-of-work before submitting.
 */
export function ReportFormPage(props: ReportFormProps) {
  const { policy } = props.program;
  const slug = policy.program.slug;
  const value = (name: string) => props.values[name] ?? "";
  const error = (name: string) => props.errors.get(name);
  const describedBy = (name: string, help: boolean) =>
    [help ? `${id(name)}-help` : undefined, error(name) ? `${id(name)}-error` : undefined]
      .filter(Boolean)
      .join(" ") || undefined;
  const ErrorText = ({ name }: { name: string }) =>
    error(name) === undefined ? null : (
      <p class="error" id={`${id(name)}-error`}>
        {error(name)}
      </p>
    );
  const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;
  const files = fileFields(policy);
  const credit = creditFields(policy);
  /** The field's own help, and what Embargo does with the answer (its purpose, a file's limit). */
  const helpOf = (field: (typeof policy.reportTemplate.fields)[number]) => {
    const note =
      field === credit.name
        ? field.required
          ? "We credit you under this name."
          : "We credit you under this name; leave it empty to stay anonymous."
        : field === credit.link
          ? "Shown with your credit."
          : field.kind === "file"
            ? `One file, up to ${mb(props.limits.attachmentBytes)}. Stored encrypted.`
            : undefined;
    return [field.help, note].filter((text) => text !== undefined).join(" ") || undefined;
  };

  return (
    <Layout title={`Report a vulnerability to ${policy.program.name}`} scripts={["/assets/pow.js"]}>
      <h1>Report a vulnerability to {policy.program.name}</h1>
      {policy.reportTemplate.intro === undefined ? null : <p>{policy.reportTemplate.intro}</p>}
      <Protection
        name={policy.program.name}
        encryptedInTransit={props.encryptedInTransit}
        mailEncryption={props.mailEncryption}
      />
      <p>
        After sending you get a private link to follow your case. Read the <a href={`/p/${slug}`}>policy</a>{" "}
        first.
      </p>
      {props.errors.size === 0 ? null : (
        <div class="errors" role="alert">
          <p>
            Please correct {props.errors.size === 1 ? "this problem" : `these ${props.errors.size} problems`}:
          </p>
          <ul>
            {[...props.errors].map(([name, message]) => (
              <li>
                <a href={`#${id(name)}`}>{message}</a>
              </li>
            ))}
          </ul>
        </div>
      )}
      <form
        method="post"
        action={`/p/${slug}/report`}
        enctype="multipart/form-data"
        data-pow-challenge-url="/api/v1/pow/challenge"
      >
        <input type="hidden" name="_csrf" value={props.csrfToken} />
        <div class="field">
          <label for={id("title")}>Title</label>
          <p class="help" id={`${id("title")}-help`}>
            {policy.reportTemplate.subjectGuidance ?? "A short, descriptive summary."}
          </p>
          <input
            type="text"
            id={id("title")}
            name="title"
            required
            maxLength={200}
            value={value("title")}
            aria-invalid={error("title") ? ("true" as const) : undefined}
            aria-describedby={describedBy("title", true)}
          />
          <ErrorText name="title" />
        </div>
        <div class="field">
          <label for={id("asset")}>Affected asset</label>
          <select id={id("asset")} name="asset" aria-describedby={describedBy("asset", false)}>
            <option value="">Not sure</option>
            {policy.scope.inScope.map((asset) => (
              <option value={asset.id} selected={value("asset") === asset.id}>
                {asset.name}
              </option>
            ))}
          </select>
          <ErrorText name="asset" />
        </div>
        {policy.reportTemplate.fields.map((field) => {
          const name = `fields.${field.id}`;
          const common = {
            id: id(name),
            name,
            required: field.required,
            "aria-invalid": error(name) ? ("true" as const) : undefined,
            "aria-describedby": describedBy(name, helpOf(field) !== undefined),
          };
          return (
            <div class="field">
              <label for={id(name)}>
                {field.label}
                {field.required ? " (required)" : " (optional)"}
              </label>
              {helpOf(field) === undefined ? null : (
                <p class="help" id={`${id(name)}-help`}>
                  {helpOf(field)}
                </p>
              )}
              {field.kind === "file" ? (
                <input type="file" {...common} />
              ) : field.kind === "long-text" ? (
                <textarea {...common}>{value(name)}</textarea>
              ) : field.kind === "choice" ? (
                <select {...common}>
                  <option value="">Choose…</option>
                  {(field.choices ?? []).map((choice) => (
                    <option value={choice} selected={value(name) === choice}>
                      {choice}
                    </option>
                  ))}
                </select>
              ) : field.kind === "url" ? (
                <input type="url" value={value(name)} {...common} />
              ) : field.kind === "email" ? (
                <input type="email" value={value(name)} {...common} />
              ) : (
                <input
                  type="text"
                  value={value(name)}
                  maxLength={field === credit.name ? 200 : undefined}
                  {...common}
                />
              )}
              <ErrorText name={name} />
            </div>
          );
        })}
        <div class="field">
          <label for={id("attachments")}>Attachments (optional)</label>
          <p class="help" id={`${id("attachments")}-help`}>
            {files.length === 0 ? "Proof of concept, screenshots, logs" : "Screenshots, logs"}: up to{" "}
            {mb(props.limits.attachmentBytes)} each, {mb(props.limits.attachmentsTotalBytes)} in all
            {files.length === 0 ? "" : ", with the files above"}. Stored encrypted.
          </p>
          <input
            type="file"
            id={id("attachments")}
            name="attachments"
            multiple
            aria-describedby={describedBy("attachments", true)}
          />
          <ErrorText name="attachments" />
        </div>
        {templateAsksCredit(policy) ? null : (
          <fieldset>
            <legend>How should we credit you?</legend>
            {(
              [
                ["name", "By name"],
                ["handle", "By handle"],
                ["anonymous", "Do not credit me"],
              ] as const
            ).map(([mode, label]) => (
              <label class="choice">
                <input
                  type="radio"
                  name="credit.mode"
                  value={mode}
                  checked={(value("credit.mode") || "anonymous") === mode}
                />{" "}
                {label}
              </label>
            ))}
            <div class="field">
              <label for={id("credit.name")}>Name or handle</label>
              <input
                type="text"
                id={id("credit.name")}
                name="credit.name"
                maxLength={200}
                value={value("credit.name")}
              />
              <ErrorText name="credit.name" />
            </div>
            <div class="field">
              <label for={id("credit.link")}>Link (optional)</label>
              <input type="url" id={id("credit.link")} name="credit.link" value={value("credit.link")} />
              <ErrorText name="credit.link" />
            </div>
          </fieldset>
        )}
        <fieldset>
          <legend>Contact (optional)</legend>
          <div class="field">
            <label for={id("contact.email")}>Email, to hear from us by mail</label>
            <input
              type="email"
              id={id("contact.email")}
              name="contact.email"
              value={value("contact.email")}
            />
            <ErrorText name="contact.email" />
          </div>
          <div class="field">
            <label for={id("contact.openpgpKey")}>Your OpenPGP public key, to encrypt mail to you</label>
            <textarea id={id("contact.openpgpKey")} name="contact.openpgpKey">
              {value("contact.openpgpKey")}
            </textarea>
            <ErrorText name="contact.openpgpKey" />
          </div>
        </fieldset>
        <p data-pow-status aria-live="polite" class="meta" />
        <button type="submit">Send report</button>
      </form>
    </Layout>
  );
}

/** A form field name as an element id (`fields.description` → `f-fields-description`). */
export function id(name: string): string {
  return `f-${name.replace(/[^a-zA-Z0-9-]/g, "-")}`;
}

/**
 * How the report is protected, said plainly: on its way (HTTPS, when the public address is
 * https://) and at rest; and, when the policy requires encrypted reports, how to encrypt one for
 * mail instead.
 */
function Protection(props: { name: string; encryptedInTransit: boolean; mailEncryption?: MailEncryption }) {
  const mail = props.mailEncryption;
  return (
    <section class="notice" aria-labelledby="protection">
      <h2 id="protection">How your report is protected</h2>
      {props.encryptedInTransit ? (
        <p>
          Your report and its files travel to us encrypted (HTTPS) and are stored encrypted (at rest, with
          AES-256-GCM) as soon as they arrive. Only {props.name}'s security team can read them.
        </p>
      ) : (
        <p>
          This server is not set up with an https:// address, so your report travels here unencrypted. It is
          stored encrypted (at rest, with AES-256-GCM) as soon as it arrives; only {props.name}'s security
          team can read it.
        </p>
      )}
      {mail === undefined ? null : (
        <>
          <p>
            {props.name} requires reports to be encrypted.
            {props.encryptedInTransit ? " This form is, on the way and at rest." : ""}{" "}
            <MailHowTo name={props.name} mail={mail} />
          </p>
          {mail.guidance === undefined ? null : <p>{mail.guidance}</p>}
        </>
      )}
    </section>
  );
}

/** How to send an encrypted report by mail, or why this program cannot take one. */
function MailHowTo({ name, mail }: { name: string; mail: MailEncryption }) {
  if (mail.addresses.length === 0) return <>{name} takes no reports by mail: please use this form.</>;
  if (mail.keyUrl === undefined)
    return <>{name} publishes no OpenPGP key here, so please use this form rather than mail.</>;
  return (
    <>
      To report by mail instead, encrypt your message with OpenPGP to {name}'s key,{" "}
      <a href={mail.keyUrl}>{mail.keyUrl}</a> (saved as key.asc:{" "}
      <code>gpg --armor --encrypt --recipient-file key.asc report.txt</code>), and send it to{" "}
      {mail.addresses.join(" or ")}.
    </>
  );
}
