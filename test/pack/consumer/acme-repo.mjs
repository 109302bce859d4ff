// The library of two-copies.mjs: it imports @sqlscope/core from its own node_modules.
import { getSession } from "@sqlscope/core";
import { fileURLToPath } from "node:url";

export const whereIsCore = () => fileURLToPath(import.meta.resolve("@sqlscope/core"));
export const insertUser = (email) =>
  getSession().selectOne("INSERT INTO users (email) VALUES (?) RETURNING *", [email]);
