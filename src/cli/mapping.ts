// `statsd-bridge mapping <explain|test> ...`: the mapping workbench. The commands run the
// daemon's stages in-process, never open sockets, and resolve to an exit code:
// 0 success, 1 a failed test or an invalid mapping/test file, 2 a usage error.
import { runMappingExplain, type MappingCommandIo } from './mapping-explain';
import { runMappingTest } from './mapping-test';

export const MAPPING_USAGE = `usage: statsd-bridge mapping <command> [<args>...]

Commands:
  explain   Show which rule each StatsD line matches and the series it becomes.
  test      Run mapping unit tests (YAML files of lines and expected series).

Run "statsd-bridge mapping <command> --help" for a command's flags.
`;

export async function runMappingCommand(argv: readonly string[], io: MappingCommandIo): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'explain':
      return runMappingExplain(rest, io);
    case 'test':
      return runMappingTest(rest, io);
    case '-h':
    case '--help':
    case 'help':
      io.stdout(MAPPING_USAGE);
      return 0;
    default:
      io.stderr(command === undefined ? MAPPING_USAGE : `statsd-bridge mapping: error: unknown command "${command}"\n\n${MAPPING_USAGE}`);
      return 2;
  }
}
