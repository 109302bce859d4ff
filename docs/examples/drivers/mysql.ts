import { SQLScope } from "@sqlscope/core";
import { mysql } from "@sqlscope/mysql";

export const db = new SQLScope().add(
  mysql({
    uri: process.env.DATABASE_URL ?? "mysql://root@localhost/app",
    sessionVariables: { innodb_lock_wait_timeout: 5 },
  }),
  { commit: "autocommit" },
);
