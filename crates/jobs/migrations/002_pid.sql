-- The process that runs a job started from the CLI, so that a job whose
-- process died can be told apart from one still running.
ALTER TABLE jobs ADD COLUMN pid INTEGER;
