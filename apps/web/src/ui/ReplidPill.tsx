/** A replication id, short and coloured so that equal ids look alike across cards. */
import { memo } from "react";
import { useTranslation } from "react-i18next";
import { isUnsetReplid, replidColors, shortReplid } from "../format/replid.ts";

export const ReplidPill = memo(function ReplidPill({ replid, field }: { readonly replid: string; readonly field?: string }) {
  const unset = isUnsetReplid(replid);
  const { t } = useTranslation();
  const colors = replidColors(replid);
  return (
    <span
      className={`replid${unset ? " unset" : ""}`}
      style={{ background: colors.background, borderColor: colors.border }}
      title={replid === "" ? t("replid.noneTitle") : replid}
      data-field={field}
      data-replid={replid}
    >
      {unset && replid !== "" ? t("replid.none") : shortReplid(replid)}
    </span>
  );
});
