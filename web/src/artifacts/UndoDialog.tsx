// Undo: restores the content before artisync's last write to the
// collection copy or a project copy (a project in one of its targets) of
// this artifact. Nothing happens
// until the user has seen which place, which write and what changes: the
// dialog asks the server what undo would do in every place, offers the
// places that have a write to undo (the newest first, chosen by default),
// shows the difference for the chosen one, and undoes exactly that write.
import { useMemo, useState } from "react";
import { errorMessage } from "../api/client";
import { useUndo, useUndoPreviews } from "../api/queries";
import type { UndoPreview, UndoReport } from "../api/types";
import { DiffView } from "../diff/DiffView";
import type { Mode } from "../diff/rows";
import { Dialog, DoneNotice } from "../ui/Dialog";
import { DIRECTION_LABEL, short, when } from "../ui/format";
import { copyKey, copyLabel, targetOf, type Copy, type Target } from "../projects/copies";

/** A place undo can act in: the collection (no project), or a project copy. */
interface Place {
  project?: string | undefined;
  target?: Target | undefined;
}

const placeKey = (p: Place): string => (p.project ? copyKey(p.project, p.target) : "collection");

/** How a place is named: "the collection", "project NAME" or "project NAME · TARGET". */
function placeName(place: Place): string {
  return place.project ? `project ${copyLabel(place.project, place.target)}` : "the collection";
}

/** A journal action in the UI's words: "sync upstream → collection", "resolve", "deploy". */
function actionName(action: string): string {
  return action.replace(/[a-z]+_to_[a-z]+/g, (d) => DIRECTION_LABEL[d] ?? d.replace(/_/g, " "));
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function Summary({ p, place }: { p: UndoPreview; place: Place }) {
  const files = p.diff.files ?? [];
  return (
    <div className="undo-summary" data-testid="undo-summary">
      <p>
        Undoes the <strong>{actionName(p.action)}</strong> of {when(p.time)} in <strong>{placeName(place)}</strong>
        {place.project ? (
          <>
            {" "}
            (<span className="mono">{place.project}</span>)
          </>
        ) : null}
        .
      </p>
      <p>
        {p.restored ? (
          <>
            Puts back version <span className="mono">{short(p.restored)}</span>
          </>
        ) : (
          <>Removes the copy (there was none before that write)</>
        )}{" "}
        in place of <span className="mono">{p.current ? short(p.current) : "nothing"}</span>:{" "}
        {files.length === 0
          ? "no file changes."
          : `${plural(files.length, "file", "files")} change (+${p.diff.stats?.added ?? 0} −${p.diff.stats?.removed ?? 0} lines).`}
      </p>
    </div>
  );
}

export function UndoDialog({ artifact, copies, onClose }: { artifact: string; copies: Copy[]; onClose(): void }) {
  const places = useMemo<Place[]>(() => [{}, ...copies.map((c) => ({ project: c.path, target: c.target }))], [copies]);
  const previews = useUndoPreviews(artifact, places);
  const undo = useUndo();
  const [chosen, setChosen] = useState<string | null>(null);
  const [report, setReport] = useState<{ r: UndoReport; place: Place } | null>(null);
  const [mode, setMode] = useState<Mode>("unified");

  const loading = previews.some((q) => q.isPending);
  const available = places
    .map((place, i) => ({ place, q: previews[i] }))
    .filter((x): x is { place: Place; q: NonNullable<typeof x.q> & { data: UndoPreview } } => Boolean(x.q?.data));
  // The newest write is the one a user most likely means.
  const newest = available.reduce<(typeof available)[number] | undefined>((a, b) => (!a || b.q.data.seq > a.q.data.seq ? b : a), undefined);
  const chosenKey = chosen ?? (newest ? placeKey(newest.place) : null);
  const place = places.find((p) => placeKey(p) === chosenKey) ?? null;
  const preview = available.find((x) => placeKey(x.place) === chosenKey)?.q.data;

  const run = () => {
    if (!preview || place === null) return;
    undo.mutate(
      { artifact, seq: preview.seq, ...(place.project ? { project_path: place.project, target: targetOf(place.target) } : {}) },
      {
        onSuccess: (r) => setReport({ r, place }),
        // Someone else wrote since: show the new state.
        onError: () => previews.forEach((q) => void q.refetch()),
      },
    );
  };

  return (
    <Dialog title={`Undo the last write to ${artifact}`} onClose={onClose} wide>
      {report ? (
        <DoneNotice onClose={onClose}>
          Undone: the {actionName(report.r.undone ?? "write")} in {placeName(report.place)}.{" "}
          {report.r.restored ? (
            <>
              Version <span className="mono">{short(report.r.restored)}</span> is back.
            </>
          ) : (
            "The copy is removed, as before that write."
          )}
        </DoneNotice>
      ) : (
        <form
          className="form"
          onSubmit={(e) => {
            e.preventDefault();
            run();
          }}
        >
          {loading ? <p className="muted">Looking for artisync&apos;s last write in each place…</p> : null}
          {!loading && available.length === 0 ? (
            <p className="muted" data-testid="undo-nothing">
              artisync has not written {artifact} anywhere yet, so there is nothing to undo.
            </p>
          ) : null}
          {available.length > 0 ? (
            <fieldset className="undo-places">
              <legend>Where</legend>
              {places.map((p, i) => {
                const d = previews[i]?.data;
                const k = placeKey(p);
                return (
                  <label key={k} className={d ? "" : "muted"}>
                    <input type="radio" name="undo-place" value={k} checked={chosenKey === k} disabled={!d} onChange={() => setChosen(k)} />
                    {placeName(p)}
                    {d ? ` — ${actionName(d.action)}, ${when(d.time)}` : previews[i]?.isPending ? " — looking…" : " — nothing to undo"}
                  </label>
                );
              })}
            </fieldset>
          ) : null}
          {preview && place !== null ? (
            <>
              <Summary p={preview} place={place} />
              {preview.blocked ? (
                <p role="alert" className="error">
                  {preview.blocked}
                </p>
              ) : null}
              {(preview.diff.files ?? []).length > 0 ? (
                <DiffView files={preview.diff.files ?? []} mode={mode} onModeChange={setMode} fallbackHeight={240} oldLabel="now" newLabel="after undo" />
              ) : null}
            </>
          ) : null}
          {undo.error ? (
            <p role="alert" className="error">
              {errorMessage(undo.error)}
            </p>
          ) : null}
          <div className="actions">
            <button type="submit" className="danger" disabled={!preview || Boolean(preview.blocked) || undo.isPending}>
              {preview && place !== null ? `Undo this write in ${placeName(place)}` : "Undo"}
            </button>
            <button type="button" onClick={onClose}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
