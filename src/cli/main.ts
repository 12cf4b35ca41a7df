#!/usr/bin/env node
/** The `wirepath` command. */
import { decodeCapture } from './decode.js';
import { RUN_USAGE, listScenarios, parseRunArguments, runScenario } from './run.js';

const HELP = `wirepath — a packet-level network emulator that works on real bytes

Usage:
  wirepath decode FILE [--count N] [--hex]   print each packet of a pcap or pcapng
                                             file layer by layer
  ${RUN_USAGE}
                                             run a journey and write its pcapng
                                             (default SCENARIO.pcapng)
  wirepath scenarios                         list the journeys that can be run
  wirepath --help                            this text
`;

function fail(message: string): never {
  process.stderr.write(`wirepath: ${message}\n\n${HELP}`);
  process.exit(2);
}

function main(argv: string[]): void {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP);
    return;
  }
  if (command === 'decode') {
    let file: string | undefined;
    let count: number | undefined;
    let hex = false;
    for (let i = 0; i < rest.length; i++) {
      const arg = rest[i];
      if (arg === '--hex') hex = true;
      else if (arg === '--count') {
        count = Number(rest[++i]);
        if (!Number.isInteger(count) || count < 0) fail('--count takes a whole number');
      } else if (arg.startsWith('--')) fail(`unknown option ${arg}`);
      else if (file === undefined) file = arg;
      else fail(`unexpected argument ${arg}`);
    }
    if (file === undefined) fail('decode needs a capture file');
    const shown = decodeCapture(file, { count, hex }, (text) => process.stdout.write(`${text}\n`));
    process.stdout.write(`\n${shown} packet${shown === 1 ? '' : 's'} from ${file}\n`);
    return;
  }
  if (command === 'run') {
    const parsed = parseRunArguments(rest);
    if (typeof parsed === 'string') fail(parsed);
    runScenario(parsed, (text) => process.stdout.write(`${text}\n`));
    return;
  }
  if (command === 'scenarios') {
    listScenarios((text) => process.stdout.write(`${text}\n`));
    return;
  }
  fail(`unknown command ${command}`);
}

// Output piped into `head` and the like ends early; that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

main(process.argv.slice(2));
