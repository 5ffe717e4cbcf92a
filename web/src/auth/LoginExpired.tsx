// Shown once the API answers 401: the session cookie is gone (the server
// restarted), or this browser never logged in. The page asked for is
// remembered, so that the login link (which lands on /) goes on to it.
import { useEffect } from "react";
import { rememberAfterLogin, session } from "../api/client";

export function LoginExpired() {
  const ended = session.wasSignedIn;
  useEffect(() => rememberAfterLogin(window.location.pathname + window.location.search), []);
  return (
    <div className="page login-expired" role="alert" aria-labelledby="expired-title">
      <h1 id="expired-title">{ended ? "Your session has ended" : "Log in to artisync"}</h1>
      {ended ? (
        <p>
          artisync no longer accepts this browser&apos;s session. Sessions live as long as the <code>artisync serve</code> process that
          created them, and each login link works once.
        </p>
      ) : (
        <p>
          This browser is not logged in. <code>artisync serve</code> prints a one-time login link when it starts; open it here, and this
          page opens after it.
        </p>
      )}
      <ol>
        {ended ? (
          <li>
            Restart the server: stop <code>artisync serve</code> (Ctrl-C) and run it again.
          </li>
        ) : null}
        <li>
          Open the {ended ? "new " : ""}
          <code>http://127.0.0.1:…/login?code=…</code> link it prints{ended ? "" : " (or restart it to print a new one)"}.
        </li>
      </ol>
      <p className="muted">Scripts and tools can use the API with the token in the data home&apos;s server.token instead.</p>
    </div>
  );
}
