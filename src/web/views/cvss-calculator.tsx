import {
  CVSS_FORM_FIELDS,
  type CvssSelections,
  type CvssVersion,
  cvssMetricGroups,
  selectionsFromVector,
} from "../../domain/cvss/calculator.js";
import { severityOf } from "../../domain/cvss/index.js";
import type { CvssValue } from "../../store/staff-validation.js";
import { TRIAGE_FIELDS } from "../triage-form.js";
import { describedBy, type Errors, FieldError } from "./staff-common.js";

/**
 * The CVSS 3.1 and 4.0 calculators as radio groups (one fieldset per metric, grouped as FIRST's
 * specifications group them), for a triage form that works without JavaScript. Each calculator is
 * folded in a <details> until opened (or until one of its metrics has an error); inside, base
 * metrics are open and the optional groups sit in <details> of their own. The server scores the
 * saved vector; where JavaScript runs, /assets/cvss-live.js shows the score of the current choices
 * as they change, computed by the same code (src/domain/cvss, compiled to /assets/cvss/).
 */
export function selectionsOf(value: CvssValue | null): CvssSelections {
  if (value === null) return {};
  try {
    return selectionsFromVector(value.vector).selections;
  } catch {
    return {};
  }
}

export function CvssScore({ value }: { value: CvssValue | null }) {
  if (value === null) return <>not scored</>;
  return (
    <>
      <strong>{value.score.toFixed(1)}</strong> {severityOf(value.score)} ·{" "}
      <code class="vector">{value.vector}</code>
    </>
  );
}

export function CvssCalculator(props: {
  version: CvssVersion;
  current: CvssValue | null;
  /** What to pre-check: the submitted choice after an error, else the stored vector's. */
  selections: CvssSelections;
  errors: Errors;
}) {
  const { version, selections, errors } = props;
  const clear = TRIAGE_FIELDS.clear(version);
  const groups = cvssMetricGroups(version);
  const metricError = groups.some((group) =>
    group.metrics.some((metric) => errors.has(CVSS_FORM_FIELDS.metric(version, metric.abbreviation))),
  );
  const live = `cvss${version.replace(".", "")}-live`;
  return (
    <details class="cvss-calculator" open={metricError}>
      <summary>CVSS {version} calculator</summary>
      <fieldset class="cvss" data-cvss-version={version}>
        <legend>CVSS {version} calculator</legend>
        <p>
          Saved score: <CvssScore value={props.current} />
        </p>
        {/* Shown by /assets/cvss-live.js; without JavaScript the score appears once saved. */}
        <p class="cvss-live" hidden>
          With these choices: <output id={live}>not scored</output>
        </p>
        {groups.map((group) => {
          const metrics = group.metrics.map((metric) => {
            const name = CVSS_FORM_FIELDS.metric(version, metric.abbreviation);
            const chosen = selections[metric.abbreviation] ?? (metric.mandatory ? undefined : "X");
            return (
              <fieldset class="metric" aria-describedby={describedBy(errors, name)}>
                <legend>
                  {metric.name} ({metric.abbreviation})
                </legend>
                <FieldError errors={errors} field={name} />
                <div class="choices">
                  {metric.values.map((value) => {
                    const id = `${name}-${value.value}`;
                    return (
                      <span class="choice">
                        <input
                          type="radio"
                          id={id}
                          name={name}
                          value={value.value}
                          checked={chosen === value.value}
                        />
                        <label for={id}>{value.label}</label>
                      </span>
                    );
                  })}
                </div>
              </fieldset>
            );
          });
          const hasError = group.metrics.some((metric) =>
            errors.has(CVSS_FORM_FIELDS.metric(version, metric.abbreviation)),
          );
          return group.id === "base" ? (
            <div class="cvss-group">
              <p class="group-name">{group.name} metrics</p>
              {metrics}
            </div>
          ) : (
            <details class="cvss-group" open={hasError}>
              <summary>{group.name} metrics (optional)</summary>
              {metrics}
            </details>
          );
        })}
        {props.current === null ? null : (
          <div class="choice">
            <input type="checkbox" id={clear} name={clear} value="yes" />
            <label for={clear}>Remove the CVSS {version} score</label>
          </div>
        )}
      </fieldset>
    </details>
  );
}
