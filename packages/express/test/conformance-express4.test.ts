import express4 from "express4";
import { runAdapterSuite } from "@sqlscope/test-support";
import { expressHarness } from "./harness.ts";

runAdapterSuite(expressHarness("express 4", express4));
