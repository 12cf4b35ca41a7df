/** `wirepath run` and `wirepath scenarios`, driven through their functions into a temporary directory. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listScenarios, parseRunArguments, runScenario } from '../../src/cli/run.js';

const dir = mkdtempSync(join(tmpdir(), 'wirepath-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): string[] {
  const parsed = parseRunArguments(args);
  if (typeof parsed === 'string') throw new Error(parsed);
  const lines: string[] = [];
  runScenario(parsed, (text) => lines.push(...text.split('\n')));
  return lines;
}

describe('wirepath run describe-instances', () => {
  const pcap = join(dir, 'journey.pcapng');
  const keylog = join(dir, 'keys.txt');
  const lines = run(['describe-instances', '--pcap', pcap, '--keylog', keylog]);

  it('prints the script’s output, then the story of the run, and where the capture went', () => {
    expect(lines.slice(0, 2)).toEqual(['$ python describe_instances.py   (seed 1)', 'Found 1 instances']);
    // The story is the narration's to word; here it need only be told, at length.
    expect(lines.length).toBeGreaterThan(100);
    expect(lines.some((l) => l.includes('ec2.us-east-1.amazonaws.com'))).toBe(true);
    expect(lines).toContain(`TLS key log: ${keylog}`);
    const where = lines.find((l) => l.startsWith('Capture: '))!;
    expect(where).toContain(`wireshark ${pcap}`);
    const packets = Number(/\((\d+) packets/.exec(where)![1]);
    expect(packets).toBeGreaterThan(50);
    expect(readFileSync(pcap).readUInt32LE(0)).toBe(0x0a0d0d0a);
  });

  it('writes both TLS clients’ secrets as an NSS key log', () => {
    const keys = readFileSync(keylog, 'utf8').trim().split('\n');
    expect(keys.length).toBe(10);
    for (const line of keys) expect(line).toMatch(/^(CLIENT_HANDSHAKE_TRAFFIC_SECRET|SERVER_HANDSHAKE_TRAFFIC_SECRET|CLIENT_TRAFFIC_SECRET_0|SERVER_TRAFFIC_SECRET_0|EXPORTER_SECRET) [0-9a-f]{64} [0-9a-f]{64,96}$/);
    expect(new Set(keys.map((l) => l.split(' ')[1])).size).toBe(2);
  });

  it('prints the event log as JSON lines with --json, and only the summary with --quiet', () => {
    const json = run(['describe-instances', '--seed', '3', '--pcap', join(dir, 'j.pcapng'), '--json']).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(json.find((e) => e.kind === 'app-output')).toMatchObject({ node: 'laptop', line: 'Found 1 instances' });
    expect(typeof json.find((e) => e.kind === 'route')!.packetId).toBe('string');
    const quiet = run(['describe-instances', '--pcap', join(dir, 'q.pcapng'), '--quiet']);
    expect(quiet).not.toContain('Found 1 instances');
    expect(quiet[0]).toMatch(/^Packets exchanged: \d+/);
    expect(quiet).toContain('Router hops out: 7 (home-router → isp-router-1 → isp-router-2 → backbone-router-1 → backbone-router-2 → aws-edge-router → aws-region-router)');
    expect(quiet.find((l) => /^Virtual time: \d+\.\d{3} ms$/.test(l))).toBeDefined();
  });
});

describe('wirepath scenarios', () => {
  it('lists describe-instances', () => {
    const lines: string[] = [];
    listScenarios((l) => lines.push(l));
    expect(lines[0]).toMatch(/^describe-instances\s+boto3/);
  });
});
