/** The countdowns of `waits.ts` on a node's card: what the node is waiting for, and how long. */
import { useTranslation } from "react-i18next";
import { useShallow } from "zustand/react/shallow";
import { useApp } from "../store/store.ts";
import { waitNotes, type WaitNote } from "./waits.ts";

/** The node's countdowns, one row each (nothing when it waits for nothing). */
export function WaitNotes({ nodeId }: { readonly nodeId: string }) {
  const { t } = useTranslation();
  // Whole seconds only: the card re-renders once a second while something is counted down.
  const notes = useApp(
    useShallow((s) => {
      const node = s.lab.nodes[nodeId];
      return node ? waitNotes(node, s.lab.events, s.lab.clock.timeMs).map(noteKey) : [];
    }),
  );
  if (notes.length === 0) return null;
  return (
    <>
      {notes.map((key) => {
        const note = JSON.parse(key) as WaitNote;
        const text =
          note.kind === "diskless-delay"
            ? note.seconds > 0
              ? t("waits.disklessDelay", { count: note.seconds, delay: note.delay })
              : t("waits.disklessNow", { delay: note.delay })
            : t("waits.timeout", { count: note.seconds, silent: note.silent, timeout: note.timeout });
        return (
          <div key={key} className="card-row wait-note" data-field="wait" data-wait={note.kind} data-seconds={note.seconds}>
            {text}
          </div>
        );
      })}
    </>
  );
}

/** A note as a string, so the selector's result compares by value. */
function noteKey(note: WaitNote): string {
  return JSON.stringify(note);
}
