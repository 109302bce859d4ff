export { sqlscope, type KoaLikeContext, type KoaLikeNext } from "./middleware.ts";
