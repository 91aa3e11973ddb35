import { execFile } from 'node:child_process';
import { TinyEdgeError } from '../errors.js';

/**
 * Runs a command and resolves with its standard output. Injected wherever
 * tinyedge shells out (e.g. `vcgencmd`), so tests and other boards can
 * answer in its place.
 *
 * @example
 * ```ts
 * const runCommand: CommandRunner = async (command, args) => (command === 'vcgencmd' ? 'EXT5V_V volt(24)=5.1V\n' : '');
 * ```
 */
export type CommandRunner = (command: string, args: readonly string[]) => Promise<string>;

/**
 * The real {@link CommandRunner}: `execFile` without a shell, 2 s timeout.
 * Fails with `E_NOT_FOUND` when the command is not installed, `E_PERMISSION`
 * when it says it cannot open its device, `E_SENSOR` for any other failure.
 *
 * @example
 * ```ts
 * const out = await runCommand('vcgencmd', ['pmic_read_adc']);
 * ```
 */
export const runCommand: CommandRunner = (command, args) => new Promise((resolve, reject) => {
  execFile(command, [...args], { timeout: 2000, maxBuffer: 1 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
    if (err === null) {
      resolve(stdout);
      return;
    }
    const code = (err as NodeJS.ErrnoException).code;
    const said = `${stderr}${stdout}`.trim().split('\n')[0] ?? '';
    if (code === 'ENOENT') {
      reject(new TinyEdgeError('E_NOT_FOUND', `${command} is not installed (or not on PATH).`,
        `Install the package that provides ${command}, or pick another source.`, { cause: err }));
    } else if (code === 'EACCES' || /permission|can't open|cannot open|vchi/i.test(said)) {
      reject(new TinyEdgeError('E_PERMISSION', `${command} ${args.join(' ')} failed: ${said || err.message}.`,
        'vcgencmd needs /dev/vcio: add your user to the video group (`sudo usermod -aG video $USER`, then log in again).', { cause: err }));
    } else {
      reject(new TinyEdgeError('E_SENSOR', `${command} ${args.join(' ')} failed: ${said || err.message}.`,
        `Run \`${command} ${args.join(' ')}\` by hand to see what is wrong.`, { cause: err }));
    }
  });
});
