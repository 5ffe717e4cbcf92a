// "Update everything behind": opens on a dry run of the update (the plan
// the server makes from the current status: the collection from its
// upstreams, then each project from the collection), lists every copy it
// would write and every copy it holds back, and starts the real update as
// one background job. Nothing here discards changes: a copy with changes
// of its own is held back, never overwritten.
import { useEffect, useRef, useState } from "react";
import { errorMessage } from "../api/client";
import { usePollInterval } from "../api/events";
import { startUpdate, useJob } from "../api/queries";
import { isFinal, type ArtifactResult } from "../api/types";
import { Dialog } from "../ui/Dialog";
import { ResultsTable } from "../jobs/JobsPage";
import { useTrackJob } from "../jobs/tracker";

interface Props {
  /** The artifacts to update; empty for every artifact. */
  artifacts: string[];
  onClose(): void;
}

export function UpdateDialog({ artifacts, onClose }: Props) {
  const [previewId, setPreviewId] = useState<string | undefined>();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const poll = usePollInterval();
  const preview = useJob(previewId, poll);
  const track = useTrackJob();
  const started = useRef(false);
  const scope = artifacts.length === 0 ? "every artifact" : artifacts.length === 1 ? artifacts[0] : `${artifacts.length} artifacts`;

  useEffect(() => {
    // One preview per dialog (React runs effects twice in development).
    if (started.current) return;
    started.current = true;
    startUpdate({ artifacts, dry_run: true })
      .then((j) => setPreviewId(j.job_id))
      .catch((e: unknown) => setError(errorMessage(e)));
  }, [artifacts]);

  const done = !!preview.data && isFinal(preview.data.state);
  const results = (preview.data?.results ?? []) as ArtifactResult[];
  const writes = results.filter((r) => !r.status && r.outcome !== "unchanged");
  const held = results.filter((r) => r.status);
  const goesAlong = results.filter((r) => !r.status && r.outcome === "unchanged");

  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      const j = await startUpdate({ artifacts });
      track({ id: j.job_id, label: `Update of ${scope}`, artifacts });
      onClose();
    } catch (e) {
      setError(errorMessage(e));
      setBusy(false);
    }
  };

  return (
    <Dialog title={`Update everything behind (${scope})`} onClose={onClose} wide>
      <p className="hint">
        Brings every copy that only lags its source up to date: the collection from its upstreams, then each project from the
        collection. Copies with changes of their own are held back, never overwritten.
      </p>
      {error ? (
        <p role="alert" className="error">
          {error}
        </p>
      ) : null}
      <section aria-label="Dry-run preview" className="preview">
        <h3>Preview {done ? `(${preview.data?.state})` : "(planning…)"}</h3>
        {done ? (
          <>
            <p role="status" data-testid="update-summary">
              {writes.length === 0 && goesAlong.length === 0
                ? "Nothing lags its source."
                : `${writes.length + goesAlong.length} ${writes.length + goesAlong.length === 1 ? "copy" : "copies"} to update`}
              {held.length > 0 ? `, ${held.length} held back for you to sync on ${held.length === 1 ? "its" : "their"} own` : ""}.
            </p>
            <ResultsTable results={results} dryRun />
            {preview.data?.error ? <p className="error">{preview.data.error}</p> : null}
            <p className="hint">Nothing has been written.</p>
          </>
        ) : (
          <p>Planning…</p>
        )}
      </section>
      <div className="actions">
        <button
          type="button"
          className="primary"
          disabled={busy || !done || preview.data?.state !== "success" || writes.length + goesAlong.length === 0}
          onClick={() => void run()}
        >
          Update
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}
