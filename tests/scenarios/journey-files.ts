/** Runs the journey into a pcapng file in a temporary directory, for tshark to read. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collect } from '../../codecs/capture-record.js';
import { type DescribeInstancesOptions, type DescribeInstancesRun, runDescribeInstances } from '../../src/scenarios/describe-instances.js';

export const captureDir = mkdtempSync(join(tmpdir(), 'journey-'));

export interface CapturedRun extends DescribeInstancesRun {
  readonly file: string;
  readonly bytes: Uint8Array;
}

export function capturedRun(name: string, options: Omit<DescribeInstancesOptions, 'capture'> = {}): CapturedRun {
  const out = collect();
  const run = runDescribeInstances({ ...options, capture: out.sink });
  const bytes = out.bytes();
  const file = join(captureDir, `${name}.pcapng`);
  writeFileSync(file, bytes);
  return { ...run, file, bytes };
}
