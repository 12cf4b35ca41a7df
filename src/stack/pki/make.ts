/**
 * Writes the emulated PKI into a directory: `node dist/src/stack/pki/make.js fixtures/pki`.
 * The keys come from fixed labels, so running it again writes the same bytes.
 */
import { mkdirSync } from 'node:fs';
import { makeEmulatedPki } from './emulated-pki.js';
import { writePkiFiles } from './pki-files.js';

const directory = process.argv[2];
if (!directory) {
  process.stderr.write('usage: node dist/src/stack/pki/make.js DIRECTORY\n');
  process.exit(2);
}
mkdirSync(directory, { recursive: true });
for (const path of writePkiFiles(directory, makeEmulatedPki())) process.stdout.write(`${path}\n`);
