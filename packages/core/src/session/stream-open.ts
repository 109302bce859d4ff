import { UnsupportedError } from "../errors.ts";

/** A statement started while a stream() of the same session is still open. */
export function streamStillOpen(key: string): UnsupportedError {
  return new UnsupportedError(
    `A statement was started on "${key}" while a stream() of the same session is still open; one connection ` +
      "runs one query at a time. Finish (or break out of) the stream loop first, or read the rows with select().",
  );
}
