/**
 * The question `guardRestart` asks before a restart that will make replicas drop data: what will
 * be lost and by whom, with "SAVE first" when the node is running, "restart anyway" and "cancel".
 */
import { useTranslation } from "react-i18next";
import { closeRestartWarning, usePendingRestart } from "./restartGuard.ts";

/** The restart question, while one is pending. */
export function RestartWarning() {
  const pending = usePendingRestart();
  const { t } = useTranslation();
  if (pending === null) return null;
  const { risk, saveFirst } = pending;
  const cause =
    risk.kind === "wiped" ? t("restartWarning.wiped", { name: risk.name }) : risk.kind === "unsaved" ? t("restartWarning.unsaved", { name: risk.name, count: risk.dirty }) : t("restartWarning.lost", { name: risk.name });
  const run = (action: () => void): void => {
    closeRestartWarning();
    action();
  };
  return (
    <div className="overlay" role="presentation" onClick={() => closeRestartWarning()}>
      <div className="overlay-card restart-warning" role="alertdialog" aria-label={t("restartWarning.title", { name: risk.name })} onClick={(e) => e.stopPropagation()} data-testid="restart-warning" data-risk={risk.kind}>
        <h2>{t("restartWarning.title", { name: risk.name })}</h2>
        <p>{cause}</p>
        <p>{t("restartWarning.replicas", { count: risk.replicas.length, names: risk.replicas.join(", "), keys: risk.replicaKeys, name: risk.name })}</p>
        <div className="lesson-buttons">
          <button type="button" className="btn" autoFocus onClick={() => closeRestartWarning()} data-testid="restart-cancel">
            {t("restartWarning.cancel")}
          </button>
          {saveFirst && (
            <button type="button" className="btn primary" onClick={() => run(saveFirst)} data-testid="restart-save-first">
              {t("restartWarning.saveFirst")}
            </button>
          )}
          <button type="button" className="btn danger" onClick={() => run(pending.restart)} data-testid="restart-anyway">
            {t("restartWarning.restartAnyway")}
          </button>
        </div>
      </div>
    </div>
  );
}
