// Koa 2 is installed under the alias "koa2" to run the suite on it too; its API is the one Koa 3 types describe.
declare module "koa2" {
  import Koa from "koa";
  export default Koa;
}
