// Shown once the API answers 401: the session cookie is gone (the server
// restarted, or the login link was never opened).
export function LoginExpired() {
  return (
    <div className="page login-expired" role="alert" aria-labelledby="expired-title">
      <h1 id="expired-title">Your session has ended</h1>
      <p>
        artisync did not accept this browser's session. Sessions live as long as the <code>artisync serve</code> process that created
        them, and each login link works once.
      </p>
      <ol>
        <li>
          Restart the server: stop <code>artisync serve</code> (Ctrl-C) and run it again.
        </li>
        <li>
          Open the new <code>http://127.0.0.1:…/login?code=…</code> link it prints.
        </li>
      </ol>
      <p className="muted">Scripts and tools can use the API with the token in the data home's server.token instead.</p>
    </div>
  );
}
