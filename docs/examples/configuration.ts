// configuration.md: every option of new SQLScope() and add() in one place.
import { SQLScope } from "@sqlscope/core";
import { sqlite } from "@sqlscope/sqlite";

export interface Logger {
  warn(warning: Error): void;
}

/** The configured SQLScope; `logger` receives its warnings. Example: `openDb(console)`. */
export function openDb(logger: Logger): SQLScope {
  // docs:start configuration
  const db = new SQLScope({ default: true, onWarning: (w) => logger.warn(w), finishTimeoutMs: 10_000 }).add(
    sqlite({ filename: "app.db" }),
    {
      key: "db", // getSession("db"); the first key added is the default key
      commit: "autocommit", // "manual" (default) | "autocommit" | "autocommit-include-redirect"
      extraCommitStatuses: [409], // statuses that commit although the mode would roll back
      extraRollbackStatuses: [299], // statuses that roll back although the mode would commit
      pool: { max: 10, acquireTimeoutMs: 10_000 },
    },
  );
  // docs:end
  return db;
}
