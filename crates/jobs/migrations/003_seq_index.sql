-- New jobs take MAX(seq) + 1 and lists are ordered by seq: without an index
-- both scan every job ever recorded, so a long-running server's POSTs
-- slowed down as its history grew.
CREATE UNIQUE INDEX jobs_seq ON jobs (seq);
