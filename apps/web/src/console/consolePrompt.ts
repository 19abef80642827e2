/**
 * redis-cli's prompt (cliRefreshPrompt): the address it talks to, `[n]` when a db other than 0 is
 * selected, `(TX)` inside MULTI; "not connected" while the node is down. Each browser tab has a
 * console connection of its own on each node, whose db and transaction the server reports with
 * every command result.
 */

/** What the prompt needs to know of the console. */
export interface ConsolePromptState {
  readonly db?: number;
  readonly inTransaction?: boolean;
}

export function consolePrompt(address: string, down: boolean, state: ConsolePromptState = {}): string {
  if (down) return "not connected>";
  const db = state.db !== undefined && state.db !== 0 ? `[${state.db}]` : "";
  return `${address}${db}${state.inTransaction === true ? "(TX)" : ""}>`;
}
