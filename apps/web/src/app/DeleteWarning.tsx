/** The question `guardDelete` asks before deleting a node that holds keys or has replicas. */
import { useTranslation } from "react-i18next";
import { closeDeleteWarning, usePendingDelete } from "./deleteGuard.ts";

export function DeleteWarning() {
  const pending = usePendingDelete();
  const { t } = useTranslation();
  if (pending === null) return null;
  const { risk } = pending;
  return (
    <div className="overlay" role="presentation" onClick={() => closeDeleteWarning()}>
      <div className="overlay-card restart-warning" role="alertdialog" aria-label={t("deleteWarning.title", { name: risk.name })} onClick={(e) => e.stopPropagation()} data-testid="delete-warning">
        <h2>{t("deleteWarning.title", { name: risk.name })}</h2>
        {risk.keys > 0 && <p>{t("deleteWarning.keys", { name: risk.name, count: risk.keys })}</p>}
        {risk.replicas.length > 0 && <p>{t("deleteWarning.replicas", { name: risk.name, names: risk.replicas.join(", "), count: risk.replicas.length })}</p>}
        <div className="lesson-buttons">
          <button type="button" className="btn" autoFocus onClick={() => closeDeleteWarning()} data-testid="delete-cancel">
            {t("deleteWarning.cancel")}
          </button>
          <button
            type="button"
            className="btn danger"
            onClick={() => {
              closeDeleteWarning();
              pending.remove();
            }}
            data-testid="delete-confirm"
          >
            {t("deleteWarning.confirm", { name: risk.name })}
          </button>
        </div>
      </div>
    </div>
  );
}
