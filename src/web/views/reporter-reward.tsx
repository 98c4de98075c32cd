import { MAX_DECLINE_MESSAGE, offerText, type Reward } from "../../domain/rewards/decision.js";

/**
 * The reward on the reporter's private page (`recognition.reward`): shown once a second team
 * member approved it (never while merely proposed), then paid or declined; with a form to decline
 * it while it is approved. Plain forms: no JavaScript.
 */
export interface RewardView {
  reward: Reward;
  /** The policy's words about rewards. */
  text: string | null;
  error?: string;
  draft?: string;
}

/** What the reporter may see of the case's reward: an approved, paid or declined one. */
export function reporterRewardView(reward: Reward | null, text: string | null): RewardView | undefined {
  if (reward === null || !["approved", "paid", "declined"].includes(reward.status)) return undefined;
  return { reward, text };
}

export function ReporterReward(props: { action: string; csrfToken: string; view: RewardView }) {
  const { reward, text, error } = props.view;
  const what = reward.offer.kind === "bounty" ? "A bounty of" : "A gift:";
  return (
    <section aria-labelledby="reward-heading">
      <h2 id="reward-heading">Your reward</h2>
      {text === null ? null : <p>{text}</p>}
      <p>
        {what} <strong>{offerText(reward.offer)}</strong>
      </p>
      {reward.status === "approved" ? <p>The team approved this reward for your report.</p> : null}
      {reward.status === "paid" ? <p>The team recorded it as paid on {reward.paidOn ?? ""}.</p> : null}
      {reward.status === "declined" ? <p>You declined this reward.</p> : null}
      {error === undefined ? null : (
        <p class="error" id="reward-error" role="alert">
          {error}
        </p>
      )}
      {reward.status !== "approved" ? null : (
        <form method="post" action={props.action}>
          <input type="hidden" name="_csrf" value={props.csrfToken} />
          <div class="field">
            <label for="reward-message">Message to the team (optional)</label>
            <textarea
              id="reward-message"
              name="message"
              maxLength={MAX_DECLINE_MESSAGE}
              aria-describedby={error === undefined ? undefined : "reward-error"}
            >
              {props.view.draft ?? ""}
            </textarea>
          </div>
          <button type="submit">Decline the reward</button>
        </form>
      )}
    </section>
  );
}
