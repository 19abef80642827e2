/**
 * The lab screen: header, canvas with the inspector beside it, and a dock with the console, the event
 * log and the offsets chart. Also wires the keyboard shortcuts, the theme and position persistence.
 */
import { useEffect } from "react";
import { ReactFlowProvider } from "@xyflow/react";
import { Canvas } from "../canvas/Canvas.tsx";
import { ConsolePanel } from "../panels/ConsolePanel.tsx";
import { EventLog } from "../panels/EventLog.tsx";
import { Inspector } from "../panels/Inspector.tsx";
import { OffsetChart } from "../panels/OffsetChart.tsx";
import { appStore, useApp } from "../store/store.ts";
import { useActions } from "./AppContext.tsx";
import { Header } from "./Header.tsx";
import { Notices } from "./Notices.tsx";
import { savePinned, saveTheme } from "./persist.ts";
import { handleShortcut, isTypingTarget, SHORTCUTS } from "./shortcuts.ts";

export function App() {
  const theme = useApp((s) => s.theme);
  const loaded = useApp((s) => s.lab.loaded);
  const presenting = useApp((s) => s.presenting);
  const actions = useActions();

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    saveTheme(theme);
  }, [theme]);

  // Positions the user pins are remembered per lab, so a reload keeps them.
  useEffect(
    () =>
      appStore.subscribe((state, prev) => {
        if (state.canvas.pinned !== prev.canvas.pinned && state.lab.labId) savePinned(state.lab.labId, state.canvas.pinned);
      }),
    [],
  );

  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (event.defaultPrevented) return;
      if (isTypingTarget(event.target, event.key)) {
        if (event.key === "Escape" && event.target instanceof HTMLElement) event.target.blur();
        return;
      }
      const focusConsole = (): void => document.querySelector<HTMLInputElement>('[data-testid="console-input"]')?.focus();
      if (handleShortcut(event, { state: appStore.getState(), actions, focusConsole })) event.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [actions]);

  return (
    <ReactFlowProvider>
      <div className={`app${presenting ? " presenting" : ""}`} data-loaded={loaded}>
        <Header />
        <main className="main">
          <Canvas />
          {!presenting && <Inspector />}
        </main>
        {!presenting && (
          <div className="dock">
            <ConsolePanel />
            <EventLog />
            <OffsetChart />
          </div>
        )}
        <Notices />
        <HelpOverlay />
        {!loaded && <div className="loading">Loading the lab…</div>}
      </div>
    </ReactFlowProvider>
  );
}

function HelpOverlay() {
  const open = useApp((s) => s.helpOpen);
  const setOpen = useApp((s) => s.setHelpOpen);
  if (!open) return null;
  return (
    <div className="overlay" role="dialog" aria-label="Keyboard shortcuts" onClick={() => setOpen(false)}>
      <div className="overlay-card" onClick={(e) => e.stopPropagation()}>
        <h2>Keyboard shortcuts</h2>
        <table className="keys">
          <tbody>
            {SHORTCUTS.map((s) => (
              <tr key={s.keys}>
                <td>
                  <kbd>{s.keys}</kbd>
                </td>
                <td>{s.label}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <h3>On the canvas</h3>
        <ul>
          <li>Drag the nub on top of a card onto another card: the first becomes a replica of the second (REPLICAOF).</li>
          <li>Double-click empty space: add a node there.</li>
          <li>Click a link's label to inspect it: partition it, slow it down, or remove it (REPLICAOF NO ONE).</li>
          <li>Every gesture has a button too: the ⋯ menu on each card and the inspector on the right.</li>
        </ul>
        <button type="button" className="btn primary" onClick={() => setOpen(false)}>
          Close
        </button>
      </div>
    </div>
  );
}
