// The express4 devDependency is Express 4 under another name; @types/express describes both majors.
declare module "express4" {
  import express from "express";
  export default express;
}
