/** OpenTelemetry `db.system.name` values for sqlscope's driver names (semantic conventions 1.3x). */
const SYSTEMS: Readonly<Record<string, string>> = {
  sqlite: "sqlite",
  postgres: "postgresql",
  mysql: "mysql",
  mariadb: "mariadb",
  duckdb: "duckdb",
};

export function dbSystem(driver: string): string {
  return SYSTEMS[driver] ?? "other_sql";
}

/**
 * The statement's first keyword (SELECT, INSERT, WITH, ...), the low-cardinality span name the
 * conventions ask for. Leading comments and whitespace are skipped; undefined when there is none.
 */
export function operationOf(sql: string): string | undefined {
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i] as string;
    if (ch === " " || ch === "\n" || ch === "\t" || ch === "\r" || ch === "(") i++;
    else if (sql.startsWith("--", i)) i = endOf(sql, "\n", i + 2);
    else if (sql.startsWith("/*", i)) i = endOf(sql, "*/", i + 2) + 1;
    else break;
  }
  const match = /^[A-Za-z]+/.exec(sql.slice(i, i + 16));
  return match === null ? undefined : match[0].toUpperCase();
}

function endOf(sql: string, marker: string, from: number): number {
  const at = sql.indexOf(marker, from);
  return at === -1 ? sql.length : at + 1;
}
