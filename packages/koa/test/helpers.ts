export { createTestDb, SCHEMA, eventually, deferred, listen, type TestDb } from "@sqlscope/test-support";
