// Express 4 is installed under the alias "express4" to run the suite on it too; its API is the one the Express 5 types describe.
declare module "express4" {
  import express from "express";
  export default express;
}
