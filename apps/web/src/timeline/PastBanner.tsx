/**
 * The marking of a past moment over the canvas: how long ago it is, whether it is still on its
 * way, and one click back to live. Everything else on screen shows that moment, read-only.
 */
import { useTranslation } from "react-i18next";
import { useSession } from "../app/AppContext.tsx";
import { formatVirtualTime } from "../format/units.ts";
import { liveLabOf } from "../store/slices/timelineSlice.ts";
import { useApp } from "../store/store.ts";

export function PastBanner() {
  const { t } = useTranslation();
  const controls = useSession().timeline;
  const view = useApp((s) => s.timeView);
  // Tenths of a second are all the banner shows: re-render only when they change.
  const liveMs = useApp((s) => Math.floor(liveLabOf(s).clock.timeMs / 100) * 100);
  if (view.kind !== "past") return null;
  const loading = view.shownMs !== view.atMs;
  const agoMs = Math.max(0, liveMs - view.atMs);
  return (
    <div className="past-banner" role="status" data-testid="past-banner" data-loading={loading} data-shown-ms={view.shownMs ?? ""}>
      <span className={`loading-dot${loading ? " on" : ""}`} aria-hidden />
      <span>{t("timeline.viewingPast", { ago: formatVirtualTime(agoMs) })}</span>
      <button type="button" className="btn small primary" onClick={() => controls.live()} data-testid="banner-live">
        {t("timeline.backToLive")}
      </button>
    </div>
  );
}
