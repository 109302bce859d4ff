import diagnostics from "node:diagnostics_channel";
import {
  context,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
  type Tracer,
  type TracerProvider,
} from "@opentelemetry/api";
import {
  CHANNELS,
  type AcquireMessage,
  type QueryMessage,
  type ReleaseMessage,
  type RetryMessage,
  type ScopeFinishMessage,
  type ScopeStartMessage,
  type ScopeView,
  type TransactionMessage,
} from "@sqlscope/core";
import { dbSystem, operationOf } from "./attributes.ts";

export interface SqlscopeInstrumentationOptions {
  /** Where spans go. Default: the global tracer provider (`trace.getTracerProvider()`). */
  tracerProvider?: TracerProvider;
  /** Put the statement text in `db.query.text` (default true). Parameters are never recorded. */
  queryText?: boolean;
  /** A span per connection checkout, showing pool waits (default true). */
  acquireSpans?: boolean;
}

export interface SqlscopeInstrumentation {
  /** Stops creating spans (unsubscribes from every channel). */
  disable(): void;
}

/**
 * Turns sqlscope's diagnostics_channel events into OpenTelemetry spans: one `sqlscope.scope` span per
 * scope (a child of the span active where the scope opened: the HTTP server span, a job's span), with
 * a child span per statement, connection checkout, commit and rollback. Costs nothing until enabled.
 *
 * @example
 * import { instrumentSqlscope } from "@sqlscope/otel";
 * const otel = instrumentSqlscope(); // after the OpenTelemetry SDK is set up
 * // ... on shutdown: otel.disable();
 */
export function instrumentSqlscope(options: SqlscopeInstrumentationOptions = {}): SqlscopeInstrumentation {
  const provider = options.tracerProvider ?? trace.getTracerProvider();
  const tracer: Tracer = provider.getTracer("@sqlscope/otel", "0.1.0");
  const queryText = options.queryText !== false;
  const acquireSpans = options.acquireSpans !== false;
  // Keyed by the scope object: nothing to clean up if a scope is dropped without finishing.
  const spans = new WeakMap<ScopeView, Span>();

  const parentOf = (scope: ScopeView) => {
    const span = spans.get(scope);
    return span === undefined ? context.active() : trace.setSpan(context.active(), span);
  };

  /** A span that already happened: it ends now and started `durationMs` ago. */
  const past = (
    scope: ScopeView,
    name: string,
    durationMs: number,
    attributes: Attributes,
    error: Error | undefined,
  ): void => {
    const end = performance.timeOrigin + performance.now();
    const span = tracer.startSpan(
      name,
      { kind: SpanKind.CLIENT, startTime: end - durationMs, attributes },
      parentOf(scope),
    );
    if (error !== undefined) fail(span, error);
    span.end(end);
  };

  const handlers: Record<string, (message: unknown) => void> = {
    [CHANNELS.scopeStart]: (message) => {
      const { scope } = message as ScopeStartMessage;
      spans.set(scope, tracer.startSpan("sqlscope.scope", { kind: SpanKind.INTERNAL }, context.active()));
    },
    [CHANNELS.acquire]: (message) => {
      if (!acquireSpans) return;
      const m = message as AcquireMessage;
      past(m.scope, "sqlscope.acquire", m.waitMs, { ...common(m), "sqlscope.acquire.wait_ms": m.waitMs }, m.error);
    },
    [CHANNELS.query]: (message) => {
      const m = message as QueryMessage;
      const operation = operationOf(m.sql);
      const attributes: Attributes = {
        ...common(m),
        "db.response.returned_rows": m.rows,
        "sqlscope.rows_affected": m.rowsAffected,
      };
      if (operation !== undefined) attributes["db.operation.name"] = operation;
      if (queryText) attributes["db.query.text"] = m.sql;
      past(m.scope, operation ?? dbSystem(m.driver), m.durationMs, attributes, m.error);
    },
    [CHANNELS.commit]: (message) => {
      const m = message as TransactionMessage;
      past(m.scope, "COMMIT", m.durationMs, { ...common(m), "db.operation.name": "COMMIT" }, m.error);
    },
    [CHANNELS.rollback]: (message) => {
      const m = message as TransactionMessage;
      past(m.scope, "ROLLBACK", m.durationMs, { ...common(m), "db.operation.name": "ROLLBACK" }, m.error);
    },
    [CHANNELS.release]: (message) => {
      const m = message as ReleaseMessage;
      spans.get(m.scope)?.addEvent("sqlscope.release", {
        "sqlscope.key": m.key,
        "sqlscope.hold_ms": m.holdMs,
        "sqlscope.destroyed": m.destroyed,
      });
    },
    [CHANNELS.retry]: (message) => {
      const m = message as RetryMessage;
      trace.getActiveSpan()?.addEvent("sqlscope.retry", {
        "sqlscope.attempt": m.attempt,
        "sqlscope.retry.delay_ms": m.delayMs,
        "error.type": m.error.name,
      });
    },
    [CHANNELS.scopeFinish]: (message) => {
      const m = message as ScopeFinishMessage;
      const span = spans.get(m.scope);
      if (span === undefined) return;
      spans.delete(m.scope);
      const f = m.figures;
      span.setAttributes({
        "sqlscope.result": f.result ?? "none",
        "sqlscope.statements": f.statements,
        "sqlscope.keys": [...f.keys],
        "sqlscope.acquire_wait_ms": f.acquireWaitMs,
        "sqlscope.hold_ms": f.holdMs,
      });
      if (f.status !== undefined) span.setAttribute("http.response.status_code", f.status);
      if (!m.ok) fail(span, m.error ?? new Error("the scope's commit failed"));
      span.end();
    },
  };

  for (const [name, handler] of Object.entries(handlers)) diagnostics.subscribe(name, handler);
  let enabled = true;
  return {
    disable() {
      if (!enabled) return;
      enabled = false;
      for (const [name, handler] of Object.entries(handlers)) diagnostics.unsubscribe(name, handler);
    },
  };
}

function common(m: { key: string; driver: string }): Attributes {
  return { "db.system.name": dbSystem(m.driver), "sqlscope.key": m.key };
}

function fail(span: Span, error: Error): void {
  span.recordException(error);
  span.setAttribute(
    "error.type",
    (error as { code?: unknown }).code !== undefined ? String((error as { code?: unknown }).code) : error.name,
  );
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
}
