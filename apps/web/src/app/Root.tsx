/**
 * Finds the lab to open: the one named in the URL, or a new "one master, two replicas" lab whose id
 * is then written into the URL. Opens its session and renders the app. When the URL comes to name
 * another lab (a branch, its parent, an imported lab, Back and Forward), it opens that one.
 */
import { useEffect, useMemo, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { createLab, getLab } from "../api/rest.ts";
import { asLabRequestError } from "../api/errors.ts";
import { failureText } from "../i18n/errorText.ts";
import { appStore } from "../store/store.ts";
import { createActions } from "./actions.ts";
import { LabContext } from "./AppContext.tsx";
import { App } from "./App.tsx";
import { LabSession } from "./labSession.ts";
import { labIdFromUrl, urlWithLab } from "./labUrl.ts";
import { loadPinned, loadTheme } from "./persist.ts";
import { LabList } from "../timeline/LabList.tsx";
import { NAVIGATE_EVENT } from "../timeline/navigation.ts";
import { labOfJoinLink } from "../classroom/classroomLab.ts";
import { isChoosableVersion } from "../format/versions.ts";

type Phase =
  | { readonly kind: "resolving" }
  | { readonly kind: "ready"; readonly labId: string }
  | { readonly kind: "missing"; readonly labId: string; readonly message: string }
  | { readonly kind: "failed"; readonly code: string; readonly message: string };

async function resolveLab(): Promise<Phase> {
  let wanted = labIdFromUrl(location.href);
  try {
    // A join link (`?class=CODE`) opens the session's lab; a student joins first, even on its fork
    // (`?class=CODE&lab=fork`), since the join is what lets it read labs on an exposed server. A
    // lab named in the URL opens even if the session ended (the classroom bar says so).
    const joined = await labOfJoinLink(location.href).catch((error: unknown) => {
      if (wanted === null) throw error;
      return null;
    });
    if (joined !== null && wanted === null) {
      wanted = joined;
      history.replaceState(null, "", urlWithLab(location.href, joined));
    }
    if (wanted !== null) {
      await getLab(wanted);
      return { kind: "ready", labId: wanted };
    }
    // `?version=2.6` (2.8, 4.0, 7.0, ssdb) opens a new default lab of that version: a link a teacher can hand out.
    const version = new URL(location.href).searchParams.get("version");
    const lab = await createLab({ template: "one-master-two-replicas", ...(version !== null && isChoosableVersion(version) ? { version } : {}) });
    history.replaceState(null, "", urlWithLab(location.href, lab.id));
    return { kind: "ready", labId: lab.id };
  } catch (error) {
    const failure = asLabRequestError(error);
    if (wanted !== null && failure.status === 404) return { kind: "missing", labId: wanted, message: failure.message };
    return { kind: "failed", code: failure.code, message: failure.message };
  }
}

export function Root() {
  const [phase, setPhase] = useState<Phase>({ kind: "resolving" });
  const { t } = useTranslation();

  useEffect(() => {
    appStore.getState().setTheme(loadTheme());
    let cancelled = false;
    let current = labIdFromUrl(location.href);
    const open = (): void => {
      void resolveLab().then((p) => {
        if (!cancelled) setPhase(p);
      });
    };
    const urlChanged = (): void => {
      // Only a change of lab reopens; a moment within the same lab is the timeline's business.
      const wanted = labIdFromUrl(location.href);
      if (wanted === current) return;
      current = wanted;
      setPhase({ kind: "resolving" });
      open();
    };
    open();
    window.addEventListener("popstate", urlChanged);
    window.addEventListener(NAVIGATE_EVENT, urlChanged);
    return () => {
      cancelled = true;
      window.removeEventListener("popstate", urlChanged);
      window.removeEventListener(NAVIGATE_EVENT, urlChanged);
    };
  }, []);

  switch (phase.kind) {
    case "resolving":
      return <Splash title={t("app.opening")} />;
    case "missing":
      return (
        <Splash title={t("app.notFoundTitle", { labId: phase.labId })} detail={t("app.notFoundDetail", { message: phase.message })}>
          <LabList exclude={phase.labId} />
        </Splash>
      );
    case "failed":
      return (
        <Splash title={t("app.unreachableTitle")} detail={`${failureText(phase.code, phase.message, t)} (${phase.code})`}>
          <button className="btn primary" onClick={() => void resolveLab().then(setPhase)}>
            {t("app.tryAgain")}
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
  const { t } = useTranslation();
  return (
    <div className="splash" data-theme-root>
      <div className="splash-card">
        <h1>{t("app.name")}</h1>
        <p className="splash-title">{title}</p>
        {detail && <p className="muted">{detail}</p>}
        {children}
      </div>
    </div>
  );
}
