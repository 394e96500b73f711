#!/usr/bin/env node
// The `nx-helm` command, which the inferred targets run once per task: it loads only what the chosen command needs.
import { CLI_COMMANDS, usage } from './cli-commands';

async function main(argv: string[]): Promise<number> {
  // `cache` has subcommands: `nx-helm cache stats` is the command "cache stats".
  const [name, ...rest] =
    argv[0] === 'cache' && argv[1] !== undefined && !argv[1].startsWith('-') ? [`cache ${argv[1]}`, ...argv.slice(2)] : argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    const { readPluginVersion } = require('../utils/plugin-version') as typeof import('../utils/plugin-version');
    process.stdout.write(`${readPluginVersion()}\n`);
    return 0;
  }
  if (!(name in CLI_COMMANDS)) {
    const { closestName } = require('../utils/closest-name') as typeof import('../utils/closest-name');
    const suggestion = closestName(name, Object.keys(CLI_COMMANDS));
    process.stderr.write(`nx-helm: unknown command "${name}".${suggestion ? ` Did you mean "${suggestion}"?` : ''}\n\n${usage()}\n`);
    return 2;
  }
  const { runCliCommand } = require('./run-cli-command') as typeof import('./run-cli-command');
  return runCliCommand(name, rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`nx-helm: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
