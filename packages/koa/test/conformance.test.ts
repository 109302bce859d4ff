import Koa from "koa";
import { runAdapterSuite } from "@sqlscope/test-support";
import { koaHarness } from "./harness.ts";

runAdapterSuite(koaHarness("koa 3", Koa));
