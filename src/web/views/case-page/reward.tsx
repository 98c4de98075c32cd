import {
  MAX_GIFT,
  MAX_REFERENCE,
  offers,
  offerText,
  REWARD_EVENTS,
  type Reward,
  type RewardHistory,
  rewardHistory,
  STATUS_WORDS,
} from "../../../domain/rewards/decision.js";
import { Csrf, describedBy, FieldError, FormError, When } from "../staff-common.js";
import type { PanelProps } from "./shared.js";

/**
 * The case's reward (`recognition.reward`; rules in src/domain/rewards/decision.ts), folded from
 * the case's own reward events: the policy's words, the current decision and its history; and for
 * those who may work the case, the forms to propose a bounty or a gift (replacing a proposal not
 * approved yet), approve it (someone other than the proposer), record it paid, or withdraw it.
 * Nothing for a program whose policy offers no reward and says nothing about it.
 */
export function RewardPanel(props: PanelProps) {
  const reward = props.program.policy.recognition.reward;
  const history = rewardHistory(props.found.events);
  if (reward.kind === "none" && reward.text === undefined && history.current === null) return null;
  const name = (actor: string | null) => {
    if (actor === null) return "—";
    if (actor === "reporter") return "the reporter";
    const userId = actor.startsWith("team:") ? actor.slice("team:".length) : actor;
    return props.names.get(userId) ?? userId;
  };
  const current = history.current;
  return (
    <section aria-labelledby="reward-heading">
      <h2 id="reward-heading">Reward</h2>
      {reward.text === undefined ? null : (
        <p>
          The policy says: <q>{reward.text}</q>
        </p>
      )}
      {reward.kind === "none" ? <p>This program's policy offers no reward.</p> : null}
      <FormError errors={props.errors} field="reward" />
      {current === null ? (
        <p class="meta">No reward was proposed yet.</p>
      ) : (
        <Current reward={current} name={name} />
      )}
      {history.entries.length === 0 ? null : <History history={history} name={name} />}
      {props.canWork && reward.kind !== "none" ? <RewardForms {...props} history={history} /> : null}
    </section>
  );
}

function Current(props: { reward: Reward; name: (actor: string | null) => string }) {
  const { reward, name } = props;
  return (
    <dl>
      <dt>Decision</dt>
      <dd>
        {reward.offer.kind === "bounty" ? "Bounty" : "Gift"}: <strong>{offerText(reward.offer)}</strong>
      </dd>
      <dt>Status</dt>
      <dd>{STATUS_WORDS[reward.status]}</dd>
      <dt>Proposed</dt>
      <dd>
        <When date={reward.proposedAt} /> by {name(reward.proposedBy)}
      </dd>
      {reward.approvedAt === null ? null : (
        <>
          <dt>Approved</dt>
          <dd>
            <When date={reward.approvedAt} /> by {name(reward.approvedBy)}
          </dd>
        </>
      )}
      {reward.paidOn === null ? null : (
        <>
          <dt>Paid on</dt>
          <dd>
            {reward.paidOn}
            {reward.reference === null ? null : <> (reference {reward.reference})</>}
          </dd>
        </>
      )}
      {reward.status !== "declined" ? null : (
        <>
          <dt>The reporter's message</dt>
          <dd>{reward.declineMessage ?? "(none)"}</dd>
        </>
      )}
    </dl>
  );
}

const STEP_WORDS: Readonly<Record<string, string>> = {
  [REWARD_EVENTS.proposed]: "proposed",
  [REWARD_EVENTS.approved]: "approved",
  [REWARD_EVENTS.paid]: "recorded as paid",
  [REWARD_EVENTS.declined]: "declined",
  [REWARD_EVENTS.withdrawn]: "withdrew",
};

function History(props: { history: RewardHistory; name: (actor: string | null) => string }) {
  const offerOf = new Map(
    props.history.proposals.map((reward) => [reward.proposal, offerText(reward.offer)]),
  );
  return (
    <>
      <h3>History</h3>
      <ol class="timeline">
        {props.history.entries.map((entry) => (
          <li>
            <When date={entry.at} /> · {props.name(entry.actor)} {STEP_WORDS[entry.type] ?? entry.type}{" "}
            proposal {entry.proposal}: {offerOf.get(entry.proposal) ?? ""}
          </li>
        ))}
      </ol>
    </>
  );
}

function RewardForms(props: PanelProps & { history: RewardHistory }) {
  const { errors, base, history } = props;
  const policyKind = props.program.policy.recognition.reward.kind;
  const draft = props.draft?.fields ?? {};
  const current = history.current;
  const me = `team:${props.userId}`;
  const proposal = current === null ? null : String(current.proposal);
  const mayPropose = current === null || ["proposed", "declined", "withdrawn"].includes(current.status);
  const defaultKind = draft["reward-kind"] ?? (offers(policyKind, "bounty") ? "bounty" : "gift");
  return (
    <>
      {current?.status !== "proposed" || proposal === null ? null : (
        <>
          <h3>Approve or withdraw</h3>
          {current.proposedBy === me ? (
            <p>You proposed this reward: another team member must approve it.</p>
          ) : (
            <form method="post" action={`${base}/reward-approve`}>
              <Csrf token={props.csrfToken} />
              <input type="hidden" name="reward-proposal" value={proposal} />
              <button type="submit">Approve the reward</button>
            </form>
          )}
          <form method="post" action={`${base}/reward-withdraw`}>
            <Csrf token={props.csrfToken} />
            <input type="hidden" name="reward-proposal" value={proposal} />
            <button type="submit">Withdraw the proposal</button>
          </form>
        </>
      )}
      {current?.status !== "approved" || proposal === null ? null : (
        <>
          <h3>Record the payment</h3>
          <form method="post" action={`${base}/reward-paid`}>
            <Csrf token={props.csrfToken} />
            <input type="hidden" name="reward-proposal" value={proposal} />
            <div class="field">
              <label for="reward-paid-on">Paid on (YYYY-MM-DD)</label>
              <FieldError errors={errors} field="reward-paid-on" />
              <input
                type="date"
                id="reward-paid-on"
                name="reward-paid-on"
                required
                value={draft["reward-paid-on"] ?? ""}
                aria-describedby={describedBy(errors, "reward-paid-on")}
              />
            </div>
            <div class="field">
              <label for="reward-reference">Payment reference (optional)</label>
              <FieldError errors={errors} field="reward-reference" />
              <input
                type="text"
                id="reward-reference"
                name="reward-reference"
                maxLength={MAX_REFERENCE}
                value={draft["reward-reference"] ?? ""}
                aria-describedby={describedBy(errors, "reward-reference")}
              />
            </div>
            <button type="submit">Record as paid</button>
          </form>
        </>
      )}
      {!mayPropose ? null : (
        <>
          <h3>{current?.status === "proposed" ? "Replace the proposal" : "Propose a reward"}</h3>
          <form method="post" action={`${base}/reward-propose`}>
            <Csrf token={props.csrfToken} />
            <fieldset aria-describedby={describedBy(errors, "reward-kind")}>
              <legend>Kind</legend>
              <FieldError errors={errors} field="reward-kind" />
              {(["bounty", "gift"] as const)
                .filter((kind) => offers(policyKind, kind))
                .map((kind) => (
                  <div class="choice">
                    <input
                      type="radio"
                      id={`reward-kind-${kind}`}
                      name="reward-kind"
                      value={kind}
                      checked={defaultKind === kind}
                      required
                    />
                    <label for={`reward-kind-${kind}`}>{kind === "bounty" ? "Bounty" : "Gift"}</label>
                  </div>
                ))}
            </fieldset>
            {!offers(policyKind, "bounty") ? null : (
              <>
                <div class="field">
                  <label for="reward-amount">Amount (a bounty; up to two decimals)</label>
                  <FieldError errors={errors} field="reward-amount" />
                  <input
                    type="text"
                    inputMode="decimal"
                    id="reward-amount"
                    name="reward-amount"
                    maxLength={16}
                    value={draft["reward-amount"] ?? ""}
                    aria-describedby={describedBy(errors, "reward-amount")}
                  />
                </div>
                <div class="field">
                  <label for="reward-currency">Currency (ISO 4217 code, like USD)</label>
                  <FieldError errors={errors} field="reward-currency" />
                  <input
                    type="text"
                    id="reward-currency"
                    name="reward-currency"
                    maxLength={3}
                    value={draft["reward-currency"] ?? ""}
                    aria-describedby={describedBy(errors, "reward-currency")}
                  />
                </div>
              </>
            )}
            {!offers(policyKind, "gift") ? null : (
              <div class="field">
                <label for="reward-gift">Gift (what the reporter gets)</label>
                <FieldError errors={errors} field="reward-gift" />
                <textarea
                  id="reward-gift"
                  name="reward-gift"
                  maxLength={MAX_GIFT}
                  aria-describedby={describedBy(errors, "reward-gift")}
                >
                  {draft["reward-gift"] ?? ""}
                </textarea>
              </div>
            )}
            <button type="submit">
              {current?.status === "proposed" ? "Replace the proposal" : "Propose"}
            </button>
          </form>
        </>
      )}
    </>
  );
}
