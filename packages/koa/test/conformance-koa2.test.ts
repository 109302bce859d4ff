import Koa2 from "koa2";
import { runAdapterSuite } from "@sqlscope/test-support";
import { koaHarness } from "./harness.ts";

runAdapterSuite(koaHarness("koa 2", Koa2));
