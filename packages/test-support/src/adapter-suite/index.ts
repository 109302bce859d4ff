export { runAdapterSuite } from "./run.ts";
export { request, startRequest, waitFor, type ClientResponse, type RequestOptions } from "./client.ts";
export { SuiteDatabase } from "./database.ts";
export { listen } from "./listen.ts";
export type { AdapterHarness, RouteInput, RouteResponse, RouteSpec, StartedServer, StartOptions } from "./types.ts";
export { copyPackage, type PackageCopy } from "./isolated.ts";
export { PLAIN_REQUESTS, type PlainServerModule } from "./plain.ts";
export { intentPicker } from "./write-intent.ts";
