/**
 * Wireshark's own tools as the outside judge of the captures we write.
 * capinfos must read the file, and tshark, with IP/TCP/UDP checksum
 * validation on, must find no bad checksum, no malformed packet, no expert
 * item of Warning or above, and no truncated frame.
 *
 * Where tshark is missing, tests that need it skip on a developer's machine
 * but fail under CI=true, so a CI without it cannot pass by skipping.
 */
import { execFileSync, spawnSync } from 'node:child_process';

export const haveTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;

/** Use as `describe.skipIf(skipWithoutTshark)(...)`. */
export const skipWithoutTshark = !haveTshark && process.env.CI !== 'true';

export function requireTshark(): void {
  if (!haveTshark) throw new Error('tshark is not installed (apt-get install -y tshark)');
}

const CHECKSUMS = ['-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE'];

export interface Verdict {
  readonly clean: boolean;
  readonly fileType: string;
  readonly packets: number;
  readonly problems: readonly string[];
}

export function pcapVerdict(file: string, keylog?: string, allowed: (message: string) => boolean = () => false): Verdict {
  requireTshark();
  const info = execFileSync('capinfos', ['-T', '-r', '-t', '-E', '-c', '-M', file], { encoding: 'utf8' }).trim().split('\t');
  const fileType = info[1] ?? '';
  const packets = Number(info[3] ?? 'NaN');
  const problems: string[] = [];
  if (!/^(pcap|nsecpcap|pcapng)$/.test(fileType)) problems.push(`unreadable file type ${JSON.stringify(fileType)}`);
  const tls = keylog ? ['-o', `tls.keylog_file:${keylog}`] : [];
  const bad = tsharkLines(file, [...CHECKSUMS, '-Y', 'ip.checksum.status==0 || tcp.checksum.status==0 || udp.checksum.status==0 || icmp.checksum.status==0', '-T', 'fields', '-e', 'frame.number', '-e', '_ws.expert.message']);
  for (const line of bad) problems.push(`bad checksum: ${line}`);
  const expert = tsharkLines(file, [...CHECKSUMS, ...tls, '-Y', '_ws.malformed || _ws.expert.severity >= "Warning" || frame.cap_len < frame.len', '-T', 'fields', '-e', 'frame.number', '-e', '_ws.expert.severity', '-e', '_ws.expert.message']);
  for (const line of expert) if (!allowed(line)) problems.push(`malformed or expert warning: ${line}`);
  return { clean: problems.length === 0, fileType, packets, problems };
}

function tsharkLines(file: string, args: string[]): string[] {
  const out = execFileSync('tshark', ['-r', file, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
  return out.split('\n').filter((l) => l.trim() !== '');
}

/** tshark's JSON view of a capture (`tshark -T json`), one object per frame's `_source.layers`. */
export function tsharkJson(file: string, extra: string[] = []): Array<Record<string, any>> {
  requireTshark();
  const out = execFileSync('tshark', ['-r', file, '-T', 'json', ...extra], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
  return (JSON.parse(out) as Array<{ _source: { layers: Record<string, any> } }>).map((f) => f._source.layers);
}

/** Selected fields of every frame (`tshark -T fields`), as one array of strings per frame. */
export function tsharkFields(file: string, fields: string[], extra: string[] = []): string[][] {
  requireTshark();
  const args = ['-r', file, ...extra, '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,'];
  for (const f of fields) args.push('-e', f);
  const out = execFileSync('tshark', args, { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
  return out.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
}
