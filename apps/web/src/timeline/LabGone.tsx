/**
 * Shown when the open lab no longer exists: deleted while open, or missing from a server that
 * restarted without it. The tab stops retrying and offers the labs that do exist.
 */
import { useTranslation } from "react-i18next";
import { liveLabOf } from "../store/slices/timelineSlice.ts";
import { useApp } from "../store/store.ts";
import { LabList } from "./LabList.tsx";

export function LabGone() {
  const { t } = useTranslation();
  const deleted = useApp((s) => liveLabOf(s).deleted);
  const labId = useApp((s) => liveLabOf(s).labId);
  if (!deleted) return null;
  return (
    <div className="overlay" role="alertdialog" aria-label={t("labs.goneTitle")} data-testid="lab-gone">
      <div className="overlay-card">
        <h2>{t("labs.goneTitle")}</h2>
        <p>{t("labs.goneText", { labId: labId ?? "" })}</p>
        <LabList exclude={labId ?? undefined} />
      </div>
    </div>
  );
}
