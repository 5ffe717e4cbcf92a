import type { Status } from "../api/types";
import { STATUS_ICON, STATUS_LABEL } from "./format";

/** A status as icon and words, never colour alone. */
export function StatusBadge({ status, tier }: { status: Status | "running" | undefined; tier?: string }) {
  if (!status) return <span className="badge badge-none">—</span>;
  const label = STATUS_LABEL[status];
  return (
    <span className={`badge badge-${status}`} title={tier ? `${tier}: ${label}` : label} data-status={status}>
      <span aria-hidden="true">{STATUS_ICON[status]}</span> {label}
    </span>
  );
}
