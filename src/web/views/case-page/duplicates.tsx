import type { CasePageProps } from "./shared.js";

/** Cases in the same program that look like this one, with why. */
export function Duplicates(props: Pick<CasePageProps, "duplicates">) {
  return (
    <>
      <h2>Likely duplicates</h2>
      {props.duplicates.length === 0 ? (
        <p>No similar case in this program.</p>
      ) : (
        <ul>
          {props.duplicates.map((hint) => (
            <li>
              <a href={`/cases/${hint.id}`}>{hint.title}</a>{" "}
              <span class="meta">
                (<code>{hint.id}</code>, score {hint.score.toFixed(2)}: {hint.reasons.join(", ")})
              </span>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
