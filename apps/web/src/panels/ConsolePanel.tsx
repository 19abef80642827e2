/**
 * A redis-cli for each node: a prompt with the node's address, replies printed as redis-cli prints
 * them, errors marked, ↑/↓ history per node. Tabs switch nodes; by default the console follows the
 * selected node. While a past moment is shown, the transcript ends at that moment and a command
 * typed gets the offer to continue from there instead of running.
 */
import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from "react";
import { useTranslation } from "react-i18next";
import { useActions } from "../app/AppContext.tsx";
import { describeOperation } from "../app/describeOperation.ts";
import { useNode, useNodeChoices } from "../store/selectors.ts";
import { viewedMs } from "../store/slices/timelineSlice.ts";
import { appStore, useApp } from "../store/store.ts";
import type { ConsoleLog } from "../store/slices/consoleSlice.ts";
import { consolePrompt } from "../console/consolePrompt.ts";
import { lockable, useFollowLock } from "../classroom/followLock.ts";

const EMPTY: ConsoleLog = { entries: [], history: [] };

export function ConsolePanel() {
  const choices = useNodeChoices();
  const selectedNode = useApp((s) => (s.selection?.kind === "node" ? s.selection.id : null));
  const pinned = useApp((s) => s.consoleNodeId);
  const showConsole = useApp((s) => s.showConsole);
  const fallback = choices[0]?.[0] ?? null;
  const exists = (id: string | null): id is string => id !== null && choices.some(([c]) => c === id);
  // The tab the viewer chose wins; choosing a node on the canvas moves the tab (effect below).
  const nodeId = exists(pinned) ? pinned : exists(selectedNode) ? selectedNode : fallback;
  const { t } = useTranslation();

  // Selecting a node on the canvas moves the console to it.
  useEffect(() => {
    if (selectedNode !== null) showConsole(selectedNode);
  }, [selectedNode, showConsole]);

  return (
    <section className="panel console-panel" aria-label={t("console.label")}>
      <div className="panel-head">
        <h2>{t("console.title")}</h2>
        <div className="tabs" role="tablist">
          {choices.map(([id, name]) => (
            <button
              key={id}
              type="button"
              role="tab"
              aria-selected={id === nodeId}
              className={`tab${id === nodeId ? " active" : ""}`}
              onClick={() => showConsole(id)}
              data-testid={`console-tab-${name}`}
            >
              {name}
            </button>
          ))}
        </div>
      </div>
      {nodeId === null ? <p className="muted pad">{t("console.noNode")}</p> : <NodeConsole key={nodeId} nodeId={nodeId} />}
    </section>
  );
}

function NodeConsole({ nodeId }: { readonly nodeId: string }) {
  const node = useNode(nodeId);
  const log = useApp((s) => s.consoles[nodeId] ?? EMPTY);
  const until = useApp(viewedMs);
  const entries = useMemo(() => (until === null ? log.entries : log.entries.filter((e) => e.atMs <= until)), [log.entries, until]);
  const actions = useActions();
  const lock = useFollowLock();
  const [line, setLine] = useState("");
  const [cursor, setCursor] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const screen = useRef<HTMLDivElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const { t } = useTranslation();

  useEffect(() => {
    const el = screen.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [entries.length]);

  // redis-cli's prompt: the address it talks to, its db and transaction, or "not connected".
  const prompt = consolePrompt(node?.address ?? nodeId, node?.status === "down", log);

  const submit = async (): Promise<void> => {
    const text = line;
    setLine("");
    setCursor(null);
    if (text.trim() === "") return;
    if (until !== null) {
      // The past does not change: offer to continue from this moment (the line stays typed).
      setLine(text);
      const state = appStore.getState();
      state.proposeBranch(describeOperation({ kind: "command", nodeId, argv: text.trim().split(/\s+/) }, state.lab, t));
      return;
    }
    setBusy(true);
    try {
      await actions.runConsoleLine(nodeId, text);
    } finally {
      setBusy(false);
      input.current?.focus();
    }
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>): void => {
    const history = log.history;
    if (event.key === "Enter") {
      event.preventDefault();
      void submit();
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      if (history.length === 0) return;
      const next = cursor === null ? history.length - 1 : Math.max(0, cursor - 1);
      setCursor(next);
      setLine(history[next] ?? "");
    } else if (event.key === "ArrowDown") {
      event.preventDefault();
      if (cursor === null) return;
      const next = cursor + 1;
      if (next >= history.length) {
        setCursor(null);
        setLine("");
      } else {
        setCursor(next);
        setLine(history[next] ?? "");
      }
    } else if (event.key === "l" && event.ctrlKey) {
      event.preventDefault();
      void actions.runConsoleLine(nodeId, "clear");
    }
  };

  return (
    <div className="console" onClick={() => input.current?.focus()} data-console-node={node?.name ?? nodeId}>
      <div className="console-screen" ref={screen} data-testid="console-output" aria-live="polite">
        {entries.length === 0 && <div className="console-hint">{t("console.hint", { name: node?.name ?? nodeId })}</div>}
        {entries.map((entry) => (
          <div key={entry.id} className={`console-line ${entry.kind}`} data-kind={entry.kind}>
            {entry.kind === "command" && <span className="console-prompt">{entry.prompt} </span>}
            {entry.text}
          </div>
        ))}
      </div>
      <div className="console-input">
        <span className="console-prompt">{prompt}</span>
        <input
          ref={input}
          value={line}
          onChange={(e) => {
            setLine(e.target.value);
            setCursor(null);
          }}
          onKeyDown={onKeyDown}
          spellCheck={false}
          autoComplete="off"
          aria-label={t("console.inputLabel", { name: node?.name ?? nodeId })}
          data-testid="console-input"
          {...lockable(lock)}
          placeholder={lock ?? (until !== null ? t("timeline.consolePast") : busy ? t("console.waiting") : t("console.placeholder"))}
        />
      </div>
    </div>
  );
}
