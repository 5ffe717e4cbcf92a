import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { ApiError } from "./api/client";
import { JobEventsProvider } from "./api/events";
import { App } from "./App";
import { JobTracker } from "./jobs/tracker";
import { ToastProvider } from "./ui/Toasts";
import "./styles.css";

const client = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 5_000,
      // A 4xx will not get better by asking again.
      retry: (n, e) => !(e instanceof ApiError && e.status < 500) && n < 2,
      refetchOnWindowFocus: true,
    },
  },
});

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <QueryClientProvider client={client}>
        <ToastProvider>
          <JobEventsProvider>
            <JobTracker>
              <App />
            </JobTracker>
          </JobEventsProvider>
        </ToastProvider>
      </QueryClientProvider>
    </StrictMode>,
  );
}
