// The registered projects, each with the targets (folder layouts) its
// copies live in, and how many artifacts it holds.
import { errorMessage } from "../api/client";
import { useProjects } from "../api/queries";
import { basename } from "../ui/format";
import { TARGET_ROOT, targetOf } from "./copies";

export function ProjectsList() {
  const { data, error } = useProjects();
  const projects = data?.projects ?? [];
  return (
    <details className="projects-list">
      <summary>Registered projects ({projects.length})</summary>
      {error ? (
        <p role="alert" className="error">
          {errorMessage(error)}
        </p>
      ) : null}
      {projects.length === 0 ? (
        <p className="muted">No project is registered yet.</p>
      ) : (
        <div className="table-scroll">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Project</th>
                <th scope="col">Targets</th>
                <th scope="col">Artifacts</th>
              </tr>
            </thead>
            <tbody>
              {projects.map((p) => {
                const targets = p.targets && p.targets.length > 0 ? p.targets : [targetOf(null)];
                return (
                  <tr key={p.path} data-project={p.path}>
                    <th scope="row">
                      {basename(p.path ?? "")}
                      <div className="muted mono wrap">{p.path}</div>
                    </th>
                    <td data-testid="project-targets">
                      <ul className="plain">
                        {targets.map((t) => (
                          <li key={t} data-target={t}>
                            {t} <span className="muted mono">{TARGET_ROOT[t]}/</span>
                          </li>
                        ))}
                      </ul>
                    </td>
                    <td>{p.artifacts ?? 0}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </details>
  );
}
