import { CREDIT_LINK_MAX, CREDIT_NAME_MAX } from "../../domain/credit/choice.js";
import {
  type CreditChoice,
  type CreditDecision,
  httpsLink,
  NOT_CREDITED_WORDS,
} from "../../domain/credit/rules.js";
import type { Policy } from "../../policy/schema.js";

/**
 * How the reporter will be credited, on their private page: their current choice, what the
 * policy's rules decide of it (src/domain/credit/rules.ts), where the program credits, and, until
 * the credit is published, a plain form to change it (no JavaScript).
 */
export interface CreditView {
  choice: CreditChoice;
  decision: CreditDecision;
  published: boolean;
  places: NonNullable<Policy["recognition"]["credit"]>["places"];
  error?: { field: "mode" | "name" | "link" | "form"; message: string };
  draft?: { mode: string; name: string; link: string };
}

const PLACE_WORDS: Readonly<Record<string, string>> = {
  "source-repository": "the acknowledgments of the source repository",
  "hall-of-fame": "the program's hall of fame",
  hackerone: "HackerOne",
  "external-list": "a list on the program's website",
  advisory: "the security advisory",
};

export function creditWords(choice: CreditChoice): string {
  if (choice.mode === "anonymous") return "Not credited: you chose not to be named.";
  const as = choice.mode === "handle" ? "the handle" : "the name";
  const link = httpsLink(choice.link);
  const linked =
    link !== null
      ? `, linked to ${link}.`
      : (choice.link ?? "").trim() === ""
        ? "."
        : ". Your link is not shown: only https links are.";
  return `As ${as} “${choice.name ?? ""}”${linked}`;
}

export function ReporterCredit(props: { action: string; csrfToken: string; credit: CreditView }) {
  const { credit } = props;
  const error = credit.error;
  const draft = credit.draft ?? {
    mode: credit.choice.mode,
    name: credit.choice.name ?? "",
    link: credit.choice.link ?? "",
  };
  const errorFor = (field: string) =>
    error?.field === field ? (
      <p class="error" id={`credit-${field}-error`} role="alert">
        {error.message}
      </p>
    ) : null;
  const describedBy = (field: string, help?: string) =>
    [error?.field === field ? `credit-${field}-error` : undefined, help].filter(Boolean).join(" ") ||
    undefined;
  const rule =
    credit.decision.credited || credit.decision.reason === "anonymous"
      ? null
      : NOT_CREDITED_WORDS[credit.decision.reason];
  return (
    <section aria-labelledby="credit-heading">
      <h2 id="credit-heading">How you are credited</h2>
      <p id="credit-current">{creditWords(credit.choice)}</p>
      {rule === null ? null : <p id="credit-rule">{rule}</p>}
      <p>
        The program credits reporters in{" "}
        {credit.places.map((place, index) => (
          <>
            {index === 0 ? "" : index === credit.places.length - 1 ? " and " : ", "}
            {place.name} ({PLACE_WORDS[place.kind] ?? place.kind})
          </>
        ))}
        .
      </p>
      {errorFor("form")}
      {credit.published ? (
        <p>The issue is published with this credit: it can no longer be changed.</p>
      ) : (
        <form method="post" action={props.action}>
          <input type="hidden" name="_csrf" value={props.csrfToken} />
          <fieldset aria-describedby={describedBy("mode")}>
            <legend>Credit me</legend>
            {errorFor("mode")}
            {(
              [
                ["name", "By my name"],
                ["handle", "By my handle"],
                ["anonymous", "Not at all"],
              ] as const
            ).map(([mode, label]) => (
              <div class="choice">
                <input
                  type="radio"
                  id={`credit-mode-${mode}`}
                  name="mode"
                  value={mode}
                  checked={draft.mode === mode}
                  required
                />
                <label for={`credit-mode-${mode}`}>{label}</label>
              </div>
            ))}
          </fieldset>
          <div class="field">
            <label for="credit-name">Name or handle</label>
            <p class="help" id="credit-name-help">
              Shown publicly once the issue is published. Leave it empty to stay anonymous.
            </p>
            {errorFor("name")}
            <input
              type="text"
              id="credit-name"
              name="name"
              maxLength={CREDIT_NAME_MAX}
              value={draft.name}
              aria-describedby={describedBy("name", "credit-name-help")}
            />
          </div>
          <div class="field">
            <label for="credit-link">Link (optional, https)</label>
            {errorFor("link")}
            <input
              type="url"
              id="credit-link"
              name="link"
              maxLength={CREDIT_LINK_MAX}
              value={draft.link}
              aria-describedby={describedBy("link")}
            />
          </div>
          <button type="submit">Save how I am credited</button>
        </form>
      )}
    </section>
  );
}
