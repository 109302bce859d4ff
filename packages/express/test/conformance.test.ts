import express from "express";
import { runAdapterSuite } from "@sqlscope/test-support";
import { expressHarness } from "./harness.ts";

runAdapterSuite(expressHarness("express 5", express));
