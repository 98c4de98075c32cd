import { ScrollingTable, StaffLayout } from "./staff-common.js";

/** The shortcuts /assets/keys.js answers to, in the words of this page (keep the two in step). */
export const KEYBOARD_SHORTCUTS: readonly { keys: readonly string[]; where: string; what: string }[] = [
  { keys: ["j"], where: "Inbox", what: "Next case: moves the focus to its link" },
  { keys: ["k"], where: "Inbox", what: "Previous case" },
  { keys: ["Enter", "o"], where: "Inbox", what: "Open the chosen case" },
  {
    keys: ["a"],
    where: "Case",
    what: "Acknowledge receipt, when the reporter still waits for it (the same form as the button)",
  },
  { keys: ["r"], where: "Case", what: "Go to the reply box" },
  { keys: ["?"], where: "Every staff page", what: "This list" },
];

/**
 * The keyboard shortcuts of the team's pages (issue 15), reached with `?` or the link under every
 * staff page. They are an extra: without JavaScript every page works with the usual keys.
 */
export function KeyboardHelpPage(props: { csrfToken: string; email: string }) {
  return (
    <StaffLayout title="Keyboard shortcuts" csrfToken={props.csrfToken} email={props.email}>
      <h1>Keyboard shortcuts</h1>
      <p>
        A key does nothing while you type in a field, or with Ctrl, Alt or Meta held, so the browser's and
        your screen reader's own keys keep working. Without JavaScript there are no shortcuts; every link and
        button works as usual.
      </p>
      <ScrollingTable label="Shortcuts">
        <table class="shortcuts">
          <caption>Shortcuts</caption>
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Where</th>
              <th scope="col">What it does</th>
            </tr>
          </thead>
          <tbody>
            {KEYBOARD_SHORTCUTS.map((shortcut) => (
              <tr>
                <th scope="row">
                  {shortcut.keys.map((key, index) => (
                    <>
                      {index === 0 ? null : " or "}
                      <kbd>{key}</kbd>
                    </>
                  ))}
                </th>
                <td>{shortcut.where}</td>
                <td>{shortcut.what}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollingTable>
      <p>
        <a href="/inbox">Back to the inbox</a>
      </p>
    </StaffLayout>
  );
}
