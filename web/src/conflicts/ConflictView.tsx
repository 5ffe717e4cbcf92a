// Resolving a staged conflict: each conflicting file with its base, ours
// (destination) and theirs (incoming) versions, a choice per conflicting
// hunk or per file, an editor for the merged text, and the list of files
// still unresolved. Text that still holds conflict markers is flagged here,
// line by line, and refused by the server, whose message is shown as is.
import { useMemo, useRef, useState } from "react";
import { ApiError, errorMessage } from "../api/client";
import { useConflict, useResolve } from "../api/queries";
import type { ConflictFile, ResolveReport } from "../api/types";
import { DoneNotice } from "../ui/Dialog";
import { DIRECTION_LABEL, short, when } from "../ui/format";
import { copyLabel, targetOf } from "../projects/copies";
import { asResolution, assemble, markerLines, parseMerged, splitLines, type FileResolution, type HunkChoice, type MarkerLine, type Parsed } from "./hunks";
import { LinesPane, ThreeWay, type PaneLine, type Tiers } from "./Panes";

type Mode = "hunks" | "ours" | "theirs" | "edited";

interface FileState {
  mode?: Mode;
  hunks: (HunkChoice | undefined)[];
  edited?: string;
}

/** Which tier is ours (the destination) and which is theirs (the source) for a direction. */
export function tiersOf(direction: string | undefined, project: string | null | undefined, target?: string | null): Tiers {
  const p = project ? `project ${copyLabel(project, target)}` : "project";
  switch (direction) {
    case "upstream_to_collection":
      return { ours: "collection", theirs: "upstream" };
    case "collection_to_project":
      return { ours: p, theirs: "collection" };
    case "project_to_collection":
      return { ours: "collection", theirs: p };
    default:
      return { ours: "destination", theirs: "incoming" };
  }
}

/** What git would call binary: a NUL byte, or bytes that are no UTF-8 (the server sends those as U+FFFD). */
function looksBinary(text: string | null): boolean {
  if (text === null) return false;
  const head = text.slice(0, 8192);
  return head.includes("\u0000") || head.includes("\uFFFD");
}

const KIND_TEXT: Record<string, string> = {
  content: "Both sides changed the same lines.",
  add_add: "Both sides added this file, with different content.",
  binary: "A binary file changed on both sides.",
  mode: "Both sides changed the file's mode (such as the executable bit) differently.",
  rename_rename: "Both sides renamed this file, to different paths.",
  too_large: "Both sides changed this file, which is too large to merge line by line: keep one side, or edit the text.",
};

function kindText(f: ConflictFile, t: Tiers): string {
  if (f.kind === "delete_edit" || (f.ours === null) !== (f.theirs === null)) {
    return f.ours === null
      ? `Ours (the ${t.ours}) deleted this file; theirs (the ${t.theirs}) changed it. Keep ours to leave it deleted, or take theirs to keep their version.`
      : `Theirs (the ${t.theirs}) deleted this file; ours (the ${t.ours}) changed it. Keep ours to keep it, or take theirs to delete it.`;
  }
  return KIND_TEXT[f.kind] ?? `Conflict of kind ${f.kind}.`;
}

const HUNK_LABEL: Record<HunkChoice, string> = {
  ours: "Ours",
  theirs: "Theirs",
  ours_theirs: "Both, ours first",
  theirs_ours: "Both, theirs first",
};

function asLines(text: string): PaneLine[] {
  return splitLines(text).map((t) => ({ text: t }));
}

function HunkPicker({ path, parsed, choices, tiers, onChoice }: { path: string; parsed: Parsed; choices: (HunkChoice | undefined)[]; tiers: Tiers; onChoice(i: number, c: HunkChoice): void }) {
  const n = parsed.hunks.length;
  return (
    <ol className="hunks" aria-label={`Conflicting hunks of ${path}`}>
      {parsed.hunks.map((h) => {
        const c = choices[h.index];
        return (
          <li key={h.index} className="hunk">
            <fieldset>
              <legend>
                Hunk {h.index + 1} of {n} <span className="muted">(line {h.line} of the merged text)</span>
                {c ? null : <span className="warn"> · no choice yet</span>}
              </legend>
              <div className={h.base === null ? "previews" : "previews previews-3"}>
                {h.base !== null ? <LinesPane label={`Base, hunk ${h.index + 1}`} lines={asLines(h.base)} empty="" /> : null}
                <LinesPane label={`Ours (${tiers.ours}), hunk ${h.index + 1}`} lines={asLines(h.ours)} empty="" none="(no lines: removed on this side)" />
                <LinesPane label={`Theirs (${tiers.theirs}), hunk ${h.index + 1}`} lines={asLines(h.theirs)} empty="" none="(no lines: removed on this side)" />
              </div>
              <div className="segmented hunk-choice" role="radiogroup" aria-label={`Choice for hunk ${h.index + 1} of ${path}`}>
                {(Object.keys(HUNK_LABEL) as HunkChoice[]).map((k) => (
                  <label key={k} className={c === k ? "on" : ""}>
                    <input type="radio" name={`hunk-${path}-${h.index}`} value={k} checked={c === k} onChange={() => onChoice(h.index, k)} />
                    {HUNK_LABEL[k]}
                  </label>
                ))}
              </div>
            </fieldset>
          </li>
        );
      })}
    </ol>
  );
}

/** Where line `line` (1-based) of `text` starts and ends. */
function lineRange(text: string, line: number): [number, number] {
  let start = 0;
  for (let i = 1; i < line; i++) {
    const nl = text.indexOf("\n", start);
    if (nl < 0) return [text.length, text.length];
    start = nl + 1;
  }
  const end = text.indexOf("\n", start);
  return [start, end < 0 ? text.length : end];
}

function MarkerList({ path, markers, onGo }: { path: string; markers: MarkerLine[]; onGo(line: number): void }) {
  if (markers.length === 0) return null;
  return (
    <div className="marker-list">
      <p className="warn">
        Still holds conflict markers on {markers.length === 1 ? "1 line" : `${markers.length} lines`}; the server will refuse it until they are gone:
      </p>
      <ul aria-label={`Conflict markers left in ${path}`}>
        {markers.map((m) => (
          <li key={m.line}>
            <button type="button" className="linkish mono" onClick={() => onGo(m.line)}>
              line {m.line}: {m.marker}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

function FileResolver({ file, tiers, state, onChange }: { file: ConflictFile; tiers: Tiers; state: FileState; onChange(s: FileState): void }) {
  const editor = useRef<HTMLTextAreaElement>(null);
  const binary = file.kind === "binary" || looksBinary(file.ours) || looksBinary(file.theirs) || looksBinary(file.base);
  const parsed = useMemo(() => (file.merged !== null && !binary ? parseMerged(file.merged, file) : null), [file, binary]);
  const assembled = useMemo(() => (parsed ? assemble(parsed, state.hunks) : ""), [parsed, state.hunks]);
  const edited = state.edited ?? assembled;
  const editedMarkers = useMemo(() => markerLines(edited, [file.base, file.ours, file.theirs]), [edited, file]);
  const resultMarkers = useMemo(() => markerLines(assembled, [file.base, file.ours, file.theirs]), [assembled, file]);
  const name = `choice-${file.path}`;
  const canEdit = !binary && (file.merged !== null || file.ours !== null || file.theirs !== null);

  const modes: [Mode, string][] = [];
  if (parsed) modes.push(["hunks", "Choose hunk by hunk"]);
  modes.push(["ours", file.ours === null ? `Keep ours (${tiers.ours}): deleted` : `Keep ours (${tiers.ours}), whole file`]);
  modes.push(["theirs", file.theirs === null ? `Take theirs (${tiers.theirs}): deleted` : `Take theirs (${tiers.theirs}), whole file`]);
  if (canEdit) modes.push(["edited", "Edit the merged text"]);

  const setMode = (mode: Mode) => {
    // The editor starts from the merged text, or from the hunk choices made so far.
    const start = state.edited ?? (parsed ? assembled : (file.merged ?? file.ours ?? file.theirs ?? ""));
    onChange({ ...state, mode, ...(mode === "edited" ? { edited: start } : {}) });
  };

  const goToLine = (line: number) => {
    const el = editor.current;
    if (!el) return;
    const [s, e] = lineRange(el.value, line);
    el.focus();
    el.setSelectionRange(s, e);
  };

  return (
    <section className="conflict-file" aria-label={`File ${file.path}`} data-path={file.path}>
      <h3>
        <span className="mono">{file.path}</span> <span className="badge">{file.kind.replace("_", " ")}</span>
      </h3>
      <p className="hint">{kindText(file, tiers)}</p>
      {binary ? (
        <p className="pane-missing" role="note">
          Binary file: its versions cannot be shown or merged here. Keep ours (the {tiers.ours}) or take theirs (the {tiers.theirs}).
        </p>
      ) : (
        <ThreeWay path={file.path} base={file.base} ours={file.ours} theirs={file.theirs} tiers={tiers} />
      )}
      <fieldset className="segmented file-choice">
        <legend className="sr-only">Resolution of {file.path}</legend>
        {modes.map(([m, label]) => (
          <label key={m} className={state.mode === m ? "on" : ""}>
            <input type="radio" name={name} value={m} checked={state.mode === m} onChange={() => setMode(m)} />
            {label}
          </label>
        ))}
      </fieldset>
      {parsed && state.mode !== "edited" && state.mode !== "hunks" && file.ours !== null && file.theirs !== null ? (
        <p className="hint">A whole file drops the other side&apos;s changes, also those that merged cleanly; hunk by hunk keeps them.</p>
      ) : null}
      {state.mode === "hunks" && parsed ? (
        <>
          {parsed.hunks.length === 0 ? (
            <p className="hint">The two versions merge without overlapping changes; the result below is that merge.</p>
          ) : (
            <HunkPicker
              path={file.path}
              parsed={parsed}
              choices={state.hunks}
              tiers={tiers}
              onChoice={(i, c) => {
                const hunks = [...state.hunks];
                hunks[i] = c;
                onChange({ ...state, hunks });
              }}
            />
          )}
          <LinesPane
            label={`Result: ${file.path}`}
            lines={splitLines(assembled).map((t, i) => (resultMarkers.some((m) => m.line === i + 1) ? { text: t, mark: { sign: "!", words: "conflict marker", cls: "cl-marker" } } : { text: t }))}
            empty=""
            note={
              parsed.hunks.length > 0 && state.hunks.filter(Boolean).length < parsed.hunks.length
                ? `${parsed.hunks.length - state.hunks.filter(Boolean).length} of ${parsed.hunks.length} hunks still to choose; they keep their markers.`
                : "Sent as the edited text, unless it is exactly one side's file."
            }
          />
          <button type="button" onClick={() => onChange({ ...state, mode: "edited", edited: assembled })}>
            Edit this result
          </button>
        </>
      ) : null}
      {state.mode === "edited" ? (
        <div className="editor">
          <label>
            Merged text of {file.path}
            <textarea
              ref={editor}
              value={edited}
              onChange={(e) => onChange({ ...state, edited: e.target.value })}
              rows={Math.min(24, Math.max(8, edited.split("\n").length + 1))}
              spellCheck={false}
            />
          </label>
          <MarkerList path={file.path} markers={editedMarkers} onGo={goToLine} />
        </div>
      ) : null}
    </section>
  );
}

/** The text a file's state resolves to, or null when nothing is chosen. */
function resultText(f: ConflictFile, s: FileState, parsed: Parsed | null): string | null {
  if (s.mode === "edited") return s.edited ?? f.merged ?? "";
  if (s.mode === "hunks" && parsed) return assemble(parsed, s.hunks);
  return null;
}

function resolutionOf(f: ConflictFile, s: FileState, parsed: Parsed | null): FileResolution | null {
  if (s.mode === "ours" || s.mode === "theirs") return s.mode;
  const text = resultText(f, s, parsed);
  if (text === null) return null;
  return s.mode === "hunks" ? asResolution(text, f) : { edited: text };
}

interface Blocker {
  path: string;
  why: string;
}

export function ConflictView({ artifact, project, target, onClose }: { artifact: string; project?: string | undefined; target?: string | undefined; onClose(): void }) {
  const { data, error, isLoading } = useConflict(artifact, project, target);
  const resolve = useResolve();
  const [states, setStates] = useState<Record<string, FileState>>({});
  const [done, setDone] = useState<ResolveReport | null>(null);
  const files = useMemo(() => data?.files ?? [], [data]);
  const parsedFiles = useMemo(() => new Map(files.map((f) => [f.path, f.merged !== null ? parseMerged(f.merged, f) : null])), [files]);
  const tiers = tiersOf(data?.direction, data?.project ?? project, data?.target ?? target);

  // A file whose merged text has hunks starts hunk by hunk, nothing chosen.
  const stateOf = (f: ConflictFile): FileState => states[f.path] ?? { mode: f.merged !== null && f.kind !== "binary" ? "hunks" : undefined, hunks: [] };

  const blockers: Blocker[] = [];
  for (const f of files) {
    const s = stateOf(f);
    const parsed = parsedFiles.get(f.path) ?? null;
    const text = resultText(f, s, parsed);
    const marks = text === null ? [] : markerLines(text, [f.base, f.ours, f.theirs]);
    const lines = `line${marks.length === 1 ? "" : "s"} ${marks.map((m) => m.line).join(", ")}`;
    const open = s.mode === "hunks" && parsed ? parsed.hunks.filter((h) => !s.hunks[h.index]).length : 0;
    if (!s.mode) blockers.push({ path: f.path, why: "has no resolution yet" });
    else if (open > 0) blockers.push({ path: f.path, why: `has ${open === 1 ? "1 hunk" : `${open} hunks`} without a choice` });
    else if (marks.length > 0) blockers.push({ path: f.path, why: `still holds conflict markers (${lines})` });
  }

  const submit = () => {
    const body: Record<string, FileResolution> = {};
    for (const f of files) {
      const r = resolutionOf(f, stateOf(f), parsedFiles.get(f.path) ?? null);
      if (r) body[f.path] = r;
    }
    resolve.mutate({ artifact, ...(project ? { project_path: project, ...(target ? { target: targetOf(target) } : {}) } : {}), files: body }, { onSuccess: setDone });
  };

  const serverError = resolve.error;
  return (
    <>
      {isLoading ? <p>Loading the staged merge…</p> : null}
      {/* Once resolved, the staged merge is gone: its reload's "not found" is no error. */}
      {error && !done ? (
        <p role="alert" className="error">
          {errorMessage(error)}
        </p>
      ) : null}
      {done ? (
        <DoneNotice onClose={onClose}>
          Resolved {artifact}: {(done.files?.length ?? 0) === 1 ? "1 file" : `${done.files?.length ?? 0} files`}, now at <span className="mono">{short(done.hash)}</span>.
        </DoneNotice>
      ) : data ? (
        <form
          className="form conflict-form"
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
        >
          <p className="hint">
            {DIRECTION_LABEL[data.direction ?? ""] ?? data.direction} · staged {when(data.created_at)}. “Ours” is the {tiers.ours} as it is now (the destination), “theirs” the
            incoming version from the {tiers.theirs}. Nothing is written until you resolve.
          </p>
          <section aria-label="Unresolved files" className="unresolved">
            {blockers.length === 0 ? (
              <p>Every file has a resolution.</p>
            ) : (
              <>
                <strong>Unresolved ({blockers.length}):</strong>
                <ul>
                  {blockers.map((b) => (
                    <li key={b.path}>
                      <span className="mono">{b.path}</span> {b.why}
                    </li>
                  ))}
                </ul>
              </>
            )}
          </section>
          {files.map((f) => (
            <FileResolver key={f.path} file={f} tiers={tiers} state={stateOf(f)} onChange={(s) => setStates((all) => ({ ...all, [f.path]: s }))} />
          ))}
          {serverError ? (
            <div role="alert" className="error server-refusal">
              <strong>The server refused the resolution{serverError instanceof ApiError ? ` (${serverError.status})` : ""}:</strong>{" "}
              {errorMessage(serverError)}
            </div>
          ) : null}
          {blockers.length > 0 ? (
            <p id="resolve-blocked" className="warn resolve-blocked">
              The server will refuse this resolution while{" "}
              {blockers.map((b, i) => (
                <span key={b.path}>
                  {i > 0 ? "; " : ""}
                  <span className="mono">{b.path}</span> {b.why}
                </span>
              ))}
              .
            </p>
          ) : null}
          <div className="actions">
            <button type="submit" className="primary" disabled={resolve.isPending} aria-describedby={blockers.length > 0 ? "resolve-blocked" : undefined}>
              Resolve
            </button>
            <button type="button" onClick={onClose}>
              Cancel
            </button>
          </div>
        </form>
      ) : null}
    </>
  );
}
