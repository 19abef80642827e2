/**
 * Finds the lab to open: the one named in the URL, or a new "one master, two replicas" lab whose id
 * is then written into the URL. Opens its session and renders the app.
 */
import { useEffect, useMemo, useState, type ReactNode } from "react";
import { createLab, getLab } from "../api/rest.ts";
import { asLabRequestError } from "../api/errors.ts";
import { appStore } from "../store/store.ts";
import { createActions } from "./actions.ts";
import { LabContext } from "./AppContext.tsx";
import { App } from "./App.tsx";
import { LabSession } from "./labSession.ts";
import { labIdFromUrl, urlWithLab } from "./labUrl.ts";
import { loadPinned, loadTheme } from "./persist.ts";

type Phase =
  | { readonly kind: "resolving" }
  | { readonly kind: "ready"; readonly labId: string }
  | { readonly kind: "missing"; readonly labId: string; readonly message: string }
  | { readonly kind: "failed"; readonly message: string };

async function resolveLab(): Promise<Phase> {
  const wanted = labIdFromUrl(location.href);
  try {
    if (wanted !== null) {
      await getLab(wanted);
      return { kind: "ready", labId: wanted };
    }
    const lab = await createLab({ template: "one-master-two-replicas" });
    history.replaceState(null, "", urlWithLab(location.href, lab.id));
    return { kind: "ready", labId: lab.id };
  } catch (error) {
    const failure = asLabRequestError(error);
    if (wanted !== null && failure.status === 404) return { kind: "missing", labId: wanted, message: failure.message };
    return { kind: "failed", message: `${failure.message} (${failure.code})` };
  }
}

async function startNewLab(): Promise<Phase> {
  try {
    const lab = await createLab({ template: "one-master-two-replicas" });
    history.replaceState(null, "", urlWithLab(location.href, lab.id));
    return { kind: "ready", labId: lab.id };
  } catch (error) {
    const failure = asLabRequestError(error);
    return { kind: "failed", message: `${failure.message} (${failure.code})` };
  }
}

export function Root() {
  const [phase, setPhase] = useState<Phase>({ kind: "resolving" });

  useEffect(() => {
    appStore.getState().setTheme(loadTheme());
    let cancelled = false;
    void resolveLab().then((p) => {
      if (!cancelled) setPhase(p);
    });
    return () => {
      cancelled = true;
    };
  }, []);

  switch (phase.kind) {
    case "resolving":
      return <Splash title="Opening the lab…" />;
    case "missing":
      return (
        <Splash title={`Lab “${phase.labId}” was not found`} detail={`${phase.message}. It may have been deleted, or the server restarted.`}>
          <button className="btn primary" onClick={() => void startNewLab().then(setPhase)}>
            Create a new lab
          </button>
        </Splash>
      );
    case "failed":
      return (
        <Splash title="Cannot reach the Replica Lab server" detail={phase.message}>
          <button className="btn primary" onClick={() => void resolveLab().then(setPhase)}>
            Try again
          </button>
        </Splash>
      );
    case "ready":
      return <LabRoot key={phase.labId} labId={phase.labId} />;
  }
}

function LabRoot({ labId }: { readonly labId: string }) {
  const value = useMemo(() => {
    const session = new LabSession(appStore, labId);
    return { session, actions: createActions(session) };
  }, [labId]);

  useEffect(() => {
    value.session.start();
    appStore.getState().loadPinned(loadPinned(labId));
    return () => value.session.stop();
  }, [value, labId]);

  return (
    <LabContext.Provider value={value}>
      <App />
    </LabContext.Provider>
  );
}

function Splash({ title, detail, children }: { readonly title: string; readonly detail?: string; readonly children?: ReactNode }) {
  return (
    <div className="splash" data-theme-root>
      <div className="splash-card">
        <h1>Replica Lab</h1>
        <p className="splash-title">{title}</p>
        {detail && <p className="muted">{detail}</p>}
        {children}
      </div>
    </div>
  );
}
