/** Server errors and other notices, stacked in a corner until dismissed (errors) or for a while (info). */
import { useEffect } from "react";
import { useTranslation } from "react-i18next";
import { errorText, isClientCode } from "../i18n/errorText.ts";
import { useApp } from "../store/store.ts";
import type { Notice } from "../store/slices/noticeSlice.ts";

export function Notices() {
  const notices = useApp((s) => s.notices);
  return (
    <div className="notices" aria-live="assertive" data-testid="notices">
      {notices.map((n) => (
        <NoticeCard key={n.id} notice={n} />
      ))}
    </div>
  );
}

function NoticeCard({ notice }: { readonly notice: Notice }) {
  const dismiss = useApp((s) => s.dismiss);
  const { t } = useTranslation();
  // The server's message names what failed; the code, in words, says why in the reader's language.
  const why = notice.fromServer ? errorText(notice.code, t) : null;
  // A failure the client itself raised (timeout, disconnected) is fully said by its code.
  const serverText = notice.fromServer && !isClientCode(notice.code);
  useEffect(() => {
    // Errors stay until dismissed (at most a handful are kept); other notices fade on their own.
    if (notice.level === "error") return;
    const timer = window.setTimeout(() => dismiss(notice.id), 5000);
    return () => window.clearTimeout(timer);
  }, [notice.id, notice.level, dismiss]);
  return (
    <div className={`notice ${notice.level}`} role={notice.level === "error" ? "alert" : "status"} data-code={notice.code ?? ""}>
      <div className="notice-text">
        <strong>{notice.title}</strong>
        {why !== null && <span>{why}</span>}
        {serverText ? (
          <span className={why !== null ? "small muted" : undefined} lang="en" data-server-text>
            {why !== null ? t("notice.serverSaid", { message: notice.message }) : notice.message}
          </span>
        ) : (
          !notice.fromServer && <span>{notice.message}</span>
        )}
        {notice.code && <code className="small">{notice.code}</code>}
      </div>
      <button type="button" className="btn icon" aria-label={t("notice.dismiss")} onClick={() => dismiss(notice.id)}>
        ×
      </button>
    </div>
  );
}
