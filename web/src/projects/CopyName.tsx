// A project copy's name: the project's folder name, and its target as a
// small label when it is not claude ("web-app · agents"). The full path
// and the layout's folder are in the tooltip.
import { basename } from "../ui/format";
import { DEFAULT_TARGET, TARGET_ROOT, targetOf } from "./copies";

export function TargetLabel({ target }: { target: string | null | undefined }) {
  const t = targetOf(target);
  return (
    <span className="target-label" data-target={t} title={`the ${t} layout (${TARGET_ROOT[t]}/)`}>
      · {t}
    </span>
  );
}

export function CopyName({ path, target, className }: { path: string; target?: string | null | undefined; className?: string }) {
  const t = targetOf(target);
  return (
    <span className={className ?? "project-name"} title={`${path} (${TARGET_ROOT[t]}/)`}>
      {basename(path)}
      {t === DEFAULT_TARGET ? null : (
        <>
          {" "}
          <TargetLabel target={t} />
        </>
      )}
    </span>
  );
}
