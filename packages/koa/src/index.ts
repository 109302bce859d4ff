export { sqlscope, type KoaLikeContext, type KoaLikeNext, type KoaSQLScopeOptions } from "./middleware.ts";
export { sqlscopeErrors, type KoaLikeErrorContext } from "./errors.ts";
