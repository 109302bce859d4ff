import { Router } from "express";
import { getSession } from "@sqlscope/core";
import { eventCounts, recordEvent } from "./events.ts";
import { BadRequest } from "./users.ts";

export const dashboard = Router();

// One request reading both databases: each key's session takes its own connection from its own pool.
dashboard.get("/dashboard", async (_req, res) => {
  const users = await getSession().selectValue<number>("SELECT count(*) FROM users");
  res.json({ users, events: await eventCounts() });
});

// 202 Accepted is a 2xx, so the "events" key's autocommit commits it before the answer leaves.
dashboard.post("/events", async (req, res) => {
  const { type, subject } = (req.body ?? {}) as Record<string, unknown>;
  if (typeof type !== "string" || !/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/.test(type)) {
    throw new BadRequest('type must be a dotted lower-case name such as "page.viewed"');
  }
  if (subject !== undefined && typeof subject !== "string") throw new BadRequest("subject must be a string when given");
  await recordEvent(type, subject ?? null);
  res.status(202).json({ accepted: type });
});
