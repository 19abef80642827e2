/** The labs the server holds, to open one (after the lab shown was deleted or lost), or a new one. */
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import type { LabSummary, NodeVersion } from "@replica-lab/protocol";
import { asLabRequestError } from "../api/errors.ts";
import { createLab } from "../api/rest.ts";
import { failureText } from "../i18n/errorText.ts";
import { openLab } from "./navigation.ts";
import { listLabs } from "./timelineApi.ts";
import { VersionSelect } from "../ui/VersionSelect.tsx";

type Listing = { readonly kind: "loading" } | { readonly kind: "ready"; readonly labs: readonly LabSummary[] } | { readonly kind: "failed"; readonly text: string };

export function LabList({ exclude }: { readonly exclude?: string }) {
  const { t } = useTranslation();
  const [listing, setListing] = useState<Listing>({ kind: "loading" });
  const [creating, setCreating] = useState(false);
  const [version, setVersion] = useState<NodeVersion>("7.0");

  useEffect(() => {
    let cancelled = false;
    listLabs().then(
      (labs) => {
        if (!cancelled) setListing({ kind: "ready", labs: labs.filter((l) => l.id !== exclude) });
      },
      (error: unknown) => {
        const failure = asLabRequestError(error);
        if (!cancelled) setListing({ kind: "failed", text: failureText(failure.code, failure.message, t) });
      },
    );
    return () => {
      cancelled = true;
    };
  }, [exclude, t]);

  const createNew = (): void => {
    setCreating(true);
    createLab({ template: "one-master-two-replicas", ...(version === "7.0" ? {} : { version }) }).then(
      (lab) => openLab(lab.id, null),
      (error: unknown) => {
        setCreating(false);
        const failure = asLabRequestError(error);
        setListing({ kind: "failed", text: failureText(failure.code, failure.message, t) });
      },
    );
  };

  return (
    <div className="lab-list-box" data-testid="lab-list">
      {listing.kind === "loading" && <p className="muted">{t("labs.loading")}</p>}
      {listing.kind === "failed" && <p className="muted">{listing.text}</p>}
      {listing.kind === "ready" && listing.labs.length === 0 && <p className="muted">{t("labs.none")}</p>}
      {listing.kind === "ready" && listing.labs.length > 0 && (
        <>
          <p>{t("labs.choose")}</p>
          <ul className="lab-list">
            {listing.labs.map((lab) => (
              <li key={lab.id}>
                <button type="button" className="btn" onClick={() => openLab(lab.id, null)} data-lab-id={lab.id}>
                  <span>{lab.name || lab.id}</span>
                  <span className="muted small">{t("labs.nodes", { count: lab.nodeCount })}</span>
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      <p>
        <button type="button" className="btn primary" onClick={createNew} disabled={creating} data-testid="lab-list-new">
          {t("app.createNew")}
        </button>{" "}
        <VersionSelect value={version} onChange={setVersion} label={t("versions.newLabLabel")} testId="lab-list-version" />
      </p>
    </div>
  );
}
