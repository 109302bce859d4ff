// The diagnostics_channel channels sqlscope publishes on. Every message is built only after
// `hasSubscribers` said someone listens: with no subscriber a publishing site costs one property read.
// Message types are in diagnostics.ts; errors in messages go through publishedError (redact.ts).
import diagnostics from "node:diagnostics_channel";

/** The names of sqlscope's `node:diagnostics_channel` channels. Subscribe with `diagnostics_channel.subscribe(name, fn)`. */
export const CHANNELS = {
  scopeStart: "sqlscope:scope:start",
  scopeFinish: "sqlscope:scope:finish",
  acquire: "sqlscope:acquire",
  query: "sqlscope:query",
  commit: "sqlscope:commit",
  rollback: "sqlscope:rollback",
  release: "sqlscope:release",
  retry: "sqlscope:retry",
} as const;

export const channels = {
  scopeStart: diagnostics.channel(CHANNELS.scopeStart),
  scopeFinish: diagnostics.channel(CHANNELS.scopeFinish),
  acquire: diagnostics.channel(CHANNELS.acquire),
  query: diagnostics.channel(CHANNELS.query),
  commit: diagnostics.channel(CHANNELS.commit),
  rollback: diagnostics.channel(CHANNELS.rollback),
  release: diagnostics.channel(CHANNELS.release),
  retry: diagnostics.channel(CHANNELS.retry),
};
