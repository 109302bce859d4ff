import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

/** A password as stored: a random salt and the scrypt hash of the password with it, both hex. */
export interface StoredPassword {
  salt: string;
  hash: string;
}

// Cost lowered so the example and its tests run fast (a few ms per hash); a real app keeps scrypt's
// default (N = 16384) or more.
const COST: ScryptOptions = { N: 1024, r: 8, p: 1 };
const LENGTH = 32;

function derive(password: string, salt: string): Promise<Buffer> {
  // scrypt runs on libuv's threadpool: the event loop serves other requests meanwhile.
  return new Promise((resolve, reject) =>
    scrypt(password, salt, LENGTH, COST, (error, key) => (error === null ? resolve(key) : reject(error))),
  );
}

export async function hashPassword(password: string): Promise<StoredPassword> {
  const salt = randomBytes(16).toString("hex");
  return { salt, hash: (await derive(password, salt)).toString("hex") };
}

export async function verifyPassword(password: string, stored: StoredPassword): Promise<boolean> {
  const expected = Buffer.from(stored.hash, "hex");
  const actual = await derive(password, stored.salt);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
