/** The package's fixtures, found from this file so a suite runs from any directory. */
import { readFileSync } from 'node:fs';

// Compiled suites live in dist/bench/…; the fixtures sit at the package root.
const ROOT = new URL('../../fixtures/', import.meta.url);

export function fixtureBytes(relative: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(relative, ROOT)));
}

export function fixtureHex(relative: string): Uint8Array {
  return new Uint8Array(Buffer.from(readFileSync(new URL(relative, ROOT), 'utf8').replace(/\s+/g, ''), 'hex'));
}
