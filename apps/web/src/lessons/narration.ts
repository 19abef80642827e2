/**
 * Lesson narration as written in the files: `` `code` `` shown as code, and `{{A.port}}`,
 * `{{A.host}}`, `{{A.address}}` replaced by node A's address in this lab (a lab node's address is
 * its real TCP port, so the number differs from lab to lab).
 */
import { fillAddresses } from "@replica-lab/protocol";

/** A node's name and lab address, as the placeholders need them. */
export interface NamedAddress {
  readonly name: string;
  readonly address: string;
}

/** Replaces the address placeholders; one naming no node of the lab is left as written. */
export function fillPlaceholders(text: string, nodes: readonly NamedAddress[]): string {
  return fillAddresses(text, (name) => nodes.find((n) => n.name === name)?.address);
}

/** Text and code runs, in order (an unpaired backtick is text). */
export function codeRuns(text: string): { readonly code: boolean; readonly text: string }[] {
  const runs: { code: boolean; text: string }[] = [];
  const parts = text.split("`");
  for (let i = 0; i < parts.length; i++) {
    const closed = i % 2 === 1 && i < parts.length - 1;
    const part = i % 2 === 1 && !closed ? `\`${parts[i]}` : parts[i]!;
    if (part === "") continue;
    const last = runs[runs.length - 1];
    if (last && last.code === closed) last.text += part;
    else runs.push({ code: closed, text: part });
  }
  return runs;
}
