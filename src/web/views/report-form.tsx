import type { LoadedPolicy } from "../../policy/loader.js";
import { Layout } from "./layout.js";

/** What the person typed, kept when the form is shown again with errors. */
export type FormValues = Record<string, string>;

interface ReportFormProps {
  program: LoadedPolicy;
  values: FormValues;
  errors: Map<string, string>;
  csrfToken: string;
  limits: { attachmentBytes: number; attachmentsTotalBytes: number };
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

  return (
    <Layout title={`Report a vulnerability to ${policy.program.name}`} scripts={["/assets/pow.js"]}>
      <h1>Report a vulnerability to {policy.program.name}</h1>
      {policy.reportTemplate.intro === undefined ? null : <p>{policy.reportTemplate.intro}</p>}
      <p>
        Your report is encrypted as soon as it reaches us and only {policy.program.name}'s security team can
        read it. After sending you get a private link to follow your case. Read the{" "}
        <a href={`/p/${slug}`}>policy</a> first.
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
        {policy.reportTemplate.fields
          .filter((field) => field.kind !== "file")
          .map((field) => {
            const name = `fields.${field.id}`;
            const common = {
              id: id(name),
              name,
              required: field.required,
              "aria-invalid": error(name) ? ("true" as const) : undefined,
              "aria-describedby": describedBy(name, field.help !== undefined),
            };
            return (
              <div class="field">
                <label for={id(name)}>
                  {field.label}
                  {field.required ? " (required)" : " (optional)"}
                </label>
                {field.help === undefined ? null : (
                  <p class="help" id={`${id(name)}-help`}>
                    {field.help}
                  </p>
                )}
                {field.kind === "long-text" ? (
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
                  <input type="text" value={value(name)} {...common} />
                )}
                <ErrorText name={name} />
              </div>
            );
          })}
        <div class="field">
          <label for={id("attachments")}>Attachments (optional)</label>
          <p class="help" id={`${id("attachments")}-help`}>
            Proof of concept, screenshots, logs: up to {mb(props.limits.attachmentBytes)} each,{" "}
            {mb(props.limits.attachmentsTotalBytes)} in all. Stored encrypted.
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
