// Shared test infrastructure (private package). Each part is exported from its own file below.
export {};
