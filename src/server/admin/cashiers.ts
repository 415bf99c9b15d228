import { hash } from '@node-rs/argon2';

/** argon2id (the library's default algorithm) with its default cost: ~20 MiB. Staff PINs are hashed by src/server/pins.ts instead. */
export function hashSecret(secret: string): Promise<string> {
  return hash(secret);
}
