// A CommonJS TypeScript consumer (module nodenext): require() of the ESM packages, as Node >= 20.19 allows.
import core = require("@sqlscope/core");
import sqliteDriver = require("@sqlscope/sqlite");

export const db = new core.SQLScope().add(sqliteDriver.sqlite({ filename: "app.db" }), { key: "db" });
export const run = (): Promise<number> => core.runInScope(() => core.getSession().selectValue<number>("SELECT 1"));
