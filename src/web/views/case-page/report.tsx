import { fileAnswerAttachments } from "../../../intake/file-answers.js";
import { When } from "../staff-common.js";
import type { CasePageProps } from "./shared.js";

/** What the reporter sent: the template's answers (labelled as the template labels them) and the credit. */
export function Report(props: Pick<CasePageProps, "found" | "program" | "keepsCredit">) {
  const { found } = props;
  const policy = props.program.policy;
  const labels = new Map(policy.reportTemplate.fields.map((field) => [field.id, field.label]));
  // A file field's answer is the file (Kafe's proof of concept): a download, not a name.
  const files = fileAnswerAttachments(policy, found.report.fields, found.attachments);
  return (
    <>
      <h2>{found.openedBy !== null ? "The incident, as the team logged it" : "What the reporter sent"}</h2>
      <Erasures erased={found.erased} />
      {Object.entries(found.report.fields).map(([fieldId, answer]) => {
        const file = files.get(fieldId);
        return (
          <section>
            <h3>{labels.get(fieldId) ?? fieldId}</h3>
            {file === undefined ? (
              <pre class="answer">{answer}</pre>
            ) : (
              <p>
                <a href={`/cases/${found.id}/attachments/${file.id}`} download>
                  {file.filename}
                </a>{" "}
                <span class="meta">({file.size} bytes)</span>
              </p>
            )}
          </section>
        );
      })}
      <h3>Credit</h3>
      <p>
        {found.report.credit.mode === "anonymous"
          ? "Not credited (anonymous)"
          : `${found.report.credit.name ?? ""} (${found.report.credit.mode})`}
        {found.report.credit.link === undefined ? null : <> · {found.report.credit.link}</>}
      </p>
      {props.keepsCredit === undefined ? null : (
        <p class="meta">
          Only the first reporter is credited:{" "}
          {props.keepsCredit === found.id ? (
            "this case, received first, keeps the credit."
          ) : (
            <>
              the original, <a href={`/cases/${props.keepsCredit}`}>{props.keepsCredit}</a>, received first,
              keeps the credit.
            </>
          )}
        </p>
      )}
    </>
  );
}

/** How to reach the reporter, with the fingerprint of the key they gave (or why there is none). */
export function Contact(props: Pick<CasePageProps, "found" | "fingerprint">) {
  const { found } = props;
  return (
    <>
      <h2>Reporter contact</h2>
      <dl class="facts">
        <dt>Email</dt>
        <dd>{found.contact.email ?? "none given"}</dd>
        <dt>OpenPGP key</dt>
        <dd>
          {found.contact.openpgpKey === undefined ? (
            "none given"
          ) : props.fingerprint === undefined ? (
            "given, but it does not read as an OpenPGP key"
          ) : (
            <code class="vector">{props.fingerprint}</code>
          )}
        </dd>
      </dl>
    </>
  );
}

/** The case's files, the reporter's and the team's, each a download. */
export function Attachments({ found, base }: Pick<CasePageProps, "found"> & { base: string }) {
  return (
    <>
      <h2>Attachments</h2>
      {found.attachments.length === 0 ? (
        <p>None.</p>
      ) : (
        <ul>
          {found.attachments.map((file) => (
            <li>
              <a href={`${base}/attachments/${file.id}`} download>
                {file.filename}
              </a>{" "}
              <span class="meta">
                ({file.size} bytes, from the {file.uploadedBy}
                {file.reporterVisible ? "" : ", internal"})
              </span>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

/** What was erased of the case and when: the case's own log says why (`case.erased`). */
function Erasures({ erased }: { erased: CasePageProps["found"]["erased"] }) {
  const lines = [
    erased.content === null ? null : (["Everything this case said was erased", erased.content] as const),
    erased.contact === null
      ? null
      : (["The reporter's contact details were erased", erased.contact] as const),
    erased.files === null ? null : (["The files were deleted", erased.files] as const),
  ].filter((line) => line !== null);
  if (lines.length === 0) return null;
  return (
    <div class="notice" role="note">
      {lines.map(([what, at]) => (
        <p>
          {what} on <When date={at} />.
        </p>
      ))}
    </div>
  );
}
