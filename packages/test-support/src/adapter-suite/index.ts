export { runAdapterSuite } from "./run.ts";
export { request, startRequest, waitFor, type ClientResponse, type RequestOptions } from "./client.ts";
export { SuiteDatabase } from "./database.ts";
export { listen } from "./listen.ts";
export type { AdapterHarness, RouteInput, RouteResponse, RouteSpec, StartedServer } from "./types.ts";
