import type { Notification } from "./notification.js";

/**
 * Request bodies for the chat systems Embargo posts to. Everything in a notification is treated as
 * untrusted text (program names and policy messages come from policy files, subjects may quote
 * reporters' titles on confidential channels), so each format escapes it for its own markup and
 * nothing from the notification can add links, mentions or formatting.
 */
export type WebhookFormat = "generic" | "slack" | "matrix" | "rocketchat";

export const WEBHOOK_FORMATS: readonly WebhookFormat[] = ["generic", "slack", "matrix", "rocketchat"];

const LINK_LABEL = "Open the case";

export function webhookBody(format: WebhookFormat, n: Notification): string {
  switch (format) {
    case "generic":
      return JSON.stringify(genericBody(n));
    case "slack":
      return JSON.stringify(slackBody(n));
    case "matrix":
      return JSON.stringify(matrixBody(n));
    case "rocketchat":
      return JSON.stringify(rocketChatBody(n));
  }
}

function genericBody(n: Notification) {
  return {
    id: n.idempotencyKey,
    program: n.program,
    caseId: n.caseId,
    event: n.event,
    subject: n.subject,
    text: n.text,
    url: n.url,
    createdAt: n.createdAt,
  };
}

/** Only http(s) links are rendered as links; anything else (javascript:, data:) is dropped. */
function safeLink(url: string | null): string | null {
  if (url === null) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
  } catch {
    return null;
  }
}

/** Slack mrkdwn: these three are the only characters Slack asks to escape; `<` also stops `<!channel>`. */
function slackEscape(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

function slackBody(n: Notification) {
  const lines = [`*${slackEscape(n.subject)}*`, slackEscape(n.text)];
  const link = safeLink(n.url);
  // Inside <url|label> a "|" would end the URL early; URL parsing has already encoded < and >.
  if (link !== null) lines.push(`<${slackEscape(link).replaceAll("|", "%7C")}|${LINK_LABEL}>`);
  return { text: lines.join("\n") };
}

function htmlEscape(s: string): string {
  return s
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/**
 * Chat clients ping everyone for these words whatever the markup (Element's "@room" rule,
 * Rocket.Chat's "@all"/"@here"); a zero-width space after the "@" keeps the text readable but inert.
 */
function defuseMentions(s: string): string {
  return s.replace(/@(room|all|here|channel|everyone)\b/gi, "@\u200b$1");
}

function matrixBody(n: Notification) {
  const subject = defuseMentions(n.subject);
  const text = defuseMentions(n.text);
  const link = safeLink(n.url);
  const plain = [subject, text, ...(link !== null ? [link] : [])].join("\n");
  const html = [
    `<strong>${htmlEscape(subject)}</strong>`,
    htmlEscape(text).replaceAll(/\r?\n/g, "<br>"),
    ...(link !== null ? [`<a href="${htmlEscape(link)}">${LINK_LABEL}</a>`] : []),
  ].join("<br>");
  return { text: plain, html, username: "Embargo" };
}

function rocketChatBody(n: Notification) {
  const subject = defuseMentions(n.subject);
  const link = safeLink(n.url);
  return {
    alias: "Embargo",
    text: subject,
    attachments: [
      { title: subject, ...(link !== null ? { title_link: link } : {}), text: defuseMentions(n.text) },
    ],
  };
}
