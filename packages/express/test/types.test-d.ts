// Type tests, checked by tsc (never run): options are typed with Express's own request and response.
import { expectTypeOf } from "vitest";
import express, { type Request, type Response } from "express";
import { methodIntent, type SQLScope } from "@sqlscope/core";
import { sqlscope, type ExpressScopeOptions } from "../src/index.ts";

declare const db: SQLScope;
express().use(
  sqlscope(db, {
    onCommitError: (_error, req, res) => {
      expectTypeOf(req).toEqualTypeOf<Request>();
      res.status(503).json({ error: "not saved, retry", path: req.path });
    },
  }),
);
expectTypeOf<NonNullable<ExpressScopeOptions["onCommitError"]>>().parameter(2).toEqualTypeOf<Response>();

// The intent option sees Express's request, and answers only "read" or "write".
express().use(
  sqlscope(db, {
    intent: (req) => {
      expectTypeOf(req).toEqualTypeOf<Request>();
      return req.path === "/visits" ? "write" : methodIntent(req.method);
    },
  }),
);
// @ts-expect-error an intent is "read" or "write"
sqlscope(db, { intent: "writes" });
