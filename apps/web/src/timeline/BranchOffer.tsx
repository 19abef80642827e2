/**
 * What an action tried in the past gets: the past cannot change, so the app offers to continue
 * from that moment in a new lab (a branch), or to go back to live.
 */
import { useTranslation } from "react-i18next";
import { useSession } from "../app/AppContext.tsx";
import { formatVirtualTime } from "../format/units.ts";
import { useApp } from "../store/store.ts";

export function BranchOffer() {
  const { t } = useTranslation();
  const controls = useSession().timeline;
  const proposal = useApp((s) => s.branchProposal);
  const propose = useApp((s) => s.proposeBranch);
  if (proposal === null) return null;
  const time = formatVirtualTime(proposal.atMs);
  return (
    <div className="overlay" role="dialog" aria-label={t("timeline.offerTitle")} onClick={() => propose(null)} data-testid="branch-offer">
      <div className="overlay-card" onClick={(e) => e.stopPropagation()}>
        <h2>{t("timeline.offerTitle")}</h2>
        <p>{t("timeline.offerText", { what: proposal.what, time })}</p>
        <div className="timeline-head">
          <button type="button" className="btn primary" onClick={() => void controls.branch()} data-testid="offer-branch" autoFocus>
            {t("timeline.offerBranch", { time })}
          </button>
          <button type="button" className="btn" onClick={() => controls.live()} data-testid="offer-live">
            {t("timeline.backToLive")}
          </button>
          <button type="button" className="btn ghost" onClick={() => propose(null)} data-testid="offer-cancel">
            {t("timeline.offerStay")}
          </button>
        </div>
      </div>
    </div>
  );
}
