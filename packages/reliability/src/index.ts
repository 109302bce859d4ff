// The reliability suite's building blocks: shared by the scenario tests and the soak script.
export { type Backend } from "./backends/types.ts";
export { postgresBackend } from "./backends/postgres.ts";
export { mysqlBackend } from "./backends/mysql.ts";
export { startApp, type AppKind } from "./apps.ts";
export { send, isSuccess, statusOf, type Outcome, type SendOptions } from "./client.ts";
export { eventually, sleep } from "./eventually.ts";
export { hooked, type DriverHooks } from "./hooked-driver.ts";
export { assertQuiet } from "./invariants.ts";
export { Ledger, type Expectation } from "./ledger.ts";
export { Rendezvous } from "./rendezvous.ts";
export { ROUTES, routeFor, type RouteContext } from "./routes.ts";
