export { sqlscope, type KoaLikeContext, type KoaLikeNext } from "./middleware.ts";
export { sqlscopeErrors, type KoaLikeErrorContext } from "./errors.ts";
