// Starting a background job from a button: whether it is still running
// (from its start until its job ends), the error of a start that failed,
// and the toast that follows the job.
import { useState } from "react";
import { errorMessage } from "../api/client";
import { usePollInterval } from "../api/events";
import { useJob } from "../api/queries";
import { isFinal, type JobAccepted } from "../api/types";
import { useTrackJob } from "./tracker";

export function useStartJob() {
  const track = useTrackJob();
  const poll = usePollInterval();
  const [jobId, setJobId] = useState<string | undefined>();
  const [error, setError] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const job = useJob(jobId, poll);
  const running = starting || (!!jobId && !(job.data && isFinal(job.data.state)));
  const start = async (begin: () => Promise<JobAccepted>, label: string) => {
    setError(null);
    setStarting(true);
    try {
      const accepted = await begin();
      setJobId(accepted.job_id);
      track({ id: accepted.job_id, label, artifacts: [] });
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setStarting(false);
    }
  };
  return { running, error, start };
}
