import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TinyEdgeError } from '../errors.js';
import type { HealthReport } from './app-config.js';
import { buildRelease } from './build-release.js';
import type { ProgressEvent, ReleaseArch } from './build-release.js';
import { shellQuote } from './deploy-target.js';
import type { DeployTarget } from './deploy-target.js';

/** How much worse than the release it replaces a new release may be before it is rolled back. */
export interface HealthMargins {
  /** Allowed drop in the share of correct requests (0..1). Default 0.05. */
  accuracy?: number;
  /** Allowed growth of p50 latency, as a fraction. Default 0.5 (50% slower). */
  latency?: number;
  /** Allowed growth of joules per request, as a fraction. Default 0.5. */
  energy?: number;
}

/** One entry of the target's release history (`tinyedge-releases.json`). */
export interface ReleaseRecord {
  version: string;
  deployedAt: string;
  status: 'live' | 'previous' | 'rolled-back';
  health: HealthReport | null;
}

/** The state file kept on the target. */
export interface TargetState {
  current: string | null;
  history: ReleaseRecord[];
}

/** Options for {@link flash}. */
export interface FlashOptions {
  appDir: string;
  board: { id: string; arch: ReleaseArch };
  target: DeployTarget;
  /** Releases to keep on the target, the live one included. Default 3. */
  keep?: number;
  /** Only report what would happen. */
  dryRun?: boolean;
  margins?: HealthMargins;
  /** Health check time limit, ms. Default 120 000. */
  healthTimeoutMs?: number;
  onProgress?: (event: ProgressEvent) => void;
  /** One line per step, for the user. */
  onStep?: (step: string) => void;
}

/** What {@link flash} did. */
export interface FlashResult {
  status: 'deployed' | 'rolled-back' | 'dry-run';
  version: string;
  target: string;
  previous: string | null;
  /** The release live on the target afterwards. */
  live: string | null;
  health: HealthReport | null;
  /** Why the release was rolled back. */
  reason: string | null;
  files: number;
  bytes: number;
  steps: string[];
  removed: string[];
}

const STATE_FILE = 'tinyedge-releases.json';

/**
 * Builds an app for a board and deploys it: upload into
 * `releases/<version>/`, verify every sha256 on the target, switch `current`
 * atomically (a symlink renamed over the old one), run the app's health
 * check, and switch back by itself when the check fails or the release is
 * worse than the one it replaces beyond the margins. Keeps the last `keep`
 * releases.
 *
 * @throws TinyEdgeError `E_DEPLOY` when the build, the upload or the hash check fails (the live release is untouched)
 */
export async function flash(options: FlashOptions): Promise<FlashResult> {
  const { target } = options;
  const keep = options.keep ?? 3;
  if (!Number.isInteger(keep) || keep < 1) throw new RangeError(`keep must be a positive integer, got ${keep}`);
  const steps: string[] = [];
  const step = (line: string): void => {
    steps.push(line);
    options.onStep?.(line);
  };
  const staging = await mkdtemp(join(tmpdir(), 'tinyedge-flash-'));
  try {
    const built = await buildRelease({ appDir: options.appDir, board: options.board, outDir: join(staging, 'release'), onProgress: options.onProgress });
    const { manifest } = built;
    const bytes = manifest.files.reduce((sum, f) => sum + f.bytes, 0);
    await writeFile(join(built.dir, 'MANIFEST.sha256'), manifest.files.map((f) => `${f.sha256}  ${f.path}\n`).join(''));
    step(`built ${manifest.app} ${manifest.version} for ${manifest.board} (${manifest.arch}): ${manifest.files.length} files, ${(bytes / 1e6).toFixed(1)} MB`);

    const state = await readState(target);
    const previous = state.current;
    const result: FlashResult = {
      status: 'dry-run', version: manifest.version, target: target.description, previous, live: previous,
      health: null, reason: null, files: manifest.files.length, bytes, steps, removed: [],
    };
    const releaseDir = `releases/${manifest.version}`;
    const plan = [
      `upload to ${target.description}/${releaseDir}`,
      'verify every sha256 on the target',
      `switch current -> ${releaseDir}${previous ? ` (was releases/${previous})` : ''}`,
      `run the health check: node app.js ${built.config.healthCheck.join(' ')}`,
      previous ? `roll back to releases/${previous} if it fails or is worse than releases/${previous}` : 'remove the release again if it fails',
      `keep the last ${keep} releases`,
    ];
    if (options.dryRun) {
      for (const line of plan) step(`would ${line}`);
      return result;
    }

    const incoming = `releases/.incoming-${manifest.version}`;
    await mustExec(target, `rm -rf ${shellQuote(incoming)}`, 'clear an earlier partial upload');
    step(plan[0]!);
    await target.upload(built.dir, incoming, (done, total) => options.onProgress?.({ phase: 'upload', done, total }));
    step(plan[1]!);
    options.onProgress?.({ phase: 'verify', done: 0, total: 1 });
    const verify = await target.exec(`cd ${shellQuote(incoming)} && sha256sum -c --quiet MANIFEST.sha256`);
    if (verify.code !== 0) {
      await target.exec(`rm -rf ${shellQuote(incoming)}`);
      throw new TinyEdgeError('E_DEPLOY', `hash check failed on ${target.description}: ${(verify.stdout + verify.stderr).trim().split('\n').slice(0, 5).join('; ')}`, 'The copy was damaged on the way or the disk is failing; the live release is untouched. Flash again.');
    }
    options.onProgress?.({ phase: 'verify', done: 1, total: 1 });
    await mustExec(target, `rm -rf ${shellQuote(releaseDir)} && mv ${shellQuote(incoming)} ${shellQuote(releaseDir)}`, 'move the verified upload into place');

    step(plan[2]!);
    await switchCurrent(target, manifest.version);
    const restarted = await restartService(target, manifest.service);
    if (restarted) step(restarted);
    step(plan[3]!);
    options.onProgress?.({ phase: 'health', done: 0, total: 1 });
    const check = await runHealthCheck(target, built.config.healthCheck, options.healthTimeoutMs ?? 120_000);
    options.onProgress?.({ phase: 'health', done: 1, total: 1 });
    result.health = check.report;
    const previousHealth = state.history.find((r) => r.version === previous)?.health ?? null;
    const reason = check.failure ?? compareHealth(check.report!, previousHealth, options.margins ?? {});
    const now = new Date().toISOString();
    const history = state.history.filter((r) => r.version !== manifest.version);

    if (reason !== null) {
      result.status = 'rolled-back';
      result.reason = reason;
      if (previous) {
        step(`health check: ${reason}; rolling back to releases/${previous}`);
        await switchCurrent(target, previous);
        const back = await restartService(target, manifest.service);
        if (back) step(back);
      } else {
        step(`health check: ${reason}; no earlier release, removing this one`);
        await mustExec(target, 'rm -f current', 'remove the failed release link');
      }
      await mustExec(target, `rm -rf ${shellQuote(releaseDir)}`, 'remove the failed release');
      history.unshift({ version: manifest.version, deployedAt: now, status: 'rolled-back', health: check.report });
      result.live = previous;
      await writeState(target, { current: previous, history });
      return result;
    }

    step(`health check passed: ${check.report!.correct}/${check.report!.requests} correct, p50 ${check.report!.p50Ms.toFixed(1)} ms`);
    for (const r of history) if (r.status === 'live') r.status = 'previous';
    history.unshift({ version: manifest.version, deployedAt: now, status: 'live', health: check.report });
    const kept = history.filter((r) => r.status !== 'rolled-back').slice(0, keep).map((r) => r.version);
    const removed = history.filter((r) => r.status !== 'rolled-back' && !kept.includes(r.version)).map((r) => r.version);
    for (const version of removed) await mustExec(target, `rm -rf ${shellQuote(`releases/${version}`)}`, `remove old release ${version}`);
    if (removed.length > 0) step(`removed ${removed.length} old release(s): ${removed.join(', ')}`);
    result.removed = removed;
    result.status = 'deployed';
    result.live = manifest.version;
    await writeState(target, { current: manifest.version, history: history.filter((r) => !removed.includes(r.version)).slice(0, 50) });
    return result;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Options for {@link rollback}. */
export interface RollbackOptions {
  target: DeployTarget;
  onStep?: (step: string) => void;
}

/**
 * Switches the target back to the release before the live one.
 *
 * @throws TinyEdgeError `E_DEPLOY` when there is no earlier release to go back to
 */
export async function rollback(options: RollbackOptions): Promise<{ from: string; to: string }> {
  const state = await readState(options.target);
  const current = state.current;
  const earlier = state.history.find((r) => r.status === 'previous' && r.version !== current);
  if (!current || !earlier) {
    throw new TinyEdgeError('E_DEPLOY', `no earlier release on ${options.target.description} to roll back to`, 'Flash a release first; rollback needs two.');
  }
  options.onStep?.(`switch current -> releases/${earlier.version} (was releases/${current})`);
  await switchCurrent(options.target, earlier.version);
  for (const r of state.history) {
    if (r.version === current) r.status = 'rolled-back';
    if (r.version === earlier.version) r.status = 'live';
  }
  await writeState(options.target, { current: earlier.version, history: state.history });
  return { from: current, to: earlier.version };
}

/**
 * Why `report` is not good enough to replace a release whose health was
 * `previous`, or null when it is.
 */
export function compareHealth(report: HealthReport, previous: HealthReport | null, margins: HealthMargins): string | null {
  if (!report.ok) return 'the app reported a failed health check';
  if (report.requests === 0) return 'the health check evaluated no requests';
  if (previous === null || previous.requests === 0) return null;
  const accuracy = report.correct / report.requests;
  const before = previous.correct / previous.requests;
  const allowedDrop = margins.accuracy ?? 0.05;
  if (accuracy < before - allowedDrop) return `accuracy ${pct(accuracy)} is below the previous ${pct(before)} by more than ${pct(allowedDrop)}`;
  const latency = margins.latency ?? 0.5;
  if (report.p50Ms > previous.p50Ms * (1 + latency)) return `p50 latency ${report.p50Ms.toFixed(1)} ms is more than ${pct(latency)} above the previous ${previous.p50Ms.toFixed(1)} ms`;
  const energy = margins.energy ?? 0.5;
  if (report.joulesPerRequest !== undefined && previous.joulesPerRequest !== undefined && report.joulesPerRequest > previous.joulesPerRequest * (1 + energy)) {
    return `energy ${report.joulesPerRequest.toFixed(3)} J per request is more than ${pct(energy)} above the previous ${previous.joulesPerRequest.toFixed(3)} J`;
  }
  return null;
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

async function runHealthCheck(target: DeployTarget, args: string[], timeoutMs: number): Promise<{ report: HealthReport | null; failure: string | null }> {
  const command = `cd current && node app.js ${args.map(shellQuote).join(' ')}`;
  const result = await target.exec(command, { timeoutMs });
  const lastLine = result.stdout.trim().split('\n').pop() ?? '';
  let report: HealthReport | null = null;
  try {
    const parsed = JSON.parse(lastLine) as HealthReport;
    if (typeof parsed.ok === 'boolean' && typeof parsed.requests === 'number' && typeof parsed.correct === 'number' && typeof parsed.p50Ms === 'number') report = parsed;
  } catch {
    // not JSON: reported below
  }
  if (result.code !== 0) return { report, failure: `the health check exited with code ${result.code}${result.stderr ? `: ${result.stderr.trim().split('\n').slice(-2).join(' ')}` : ''}` };
  if (report === null) return { report, failure: 'the health check did not print a JSON health report as its last line' };
  return { report, failure: null };
}

async function switchCurrent(target: DeployTarget, version: string): Promise<void> {
  // rename(2) over the old link is atomic: a reader sees the old release or the new one, never neither.
  await mustExec(target, `ln -sfn ${shellQuote(`releases/${version}`)} current.next && mv -T current.next current`, 'switch the current link');
}

/**
 * Restarts the app's systemd unit when the target runs it (`try-restart` does
 * nothing for a unit that is not running). Returns what happened, for the log.
 */
async function restartService(target: DeployTarget, service: string | null): Promise<string | null> {
  if (service === null) return null;
  const unit = service.split('/').pop()!;
  // /run/systemd/system exists only when systemd is the init system (sd_booted(3)).
  const result = await target.exec(`[ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1 || exit 100; systemctl try-restart ${shellQuote(unit)}`);
  if (result.code === 100) return `the target does not run systemd: ${unit} not restarted`;
  return result.code === 0 ? `restarted ${unit} if it was running` : `systemctl try-restart ${unit} failed: ${result.stderr.trim()}`;
}

async function readState(target: DeployTarget): Promise<TargetState> {
  const result = await target.exec(`cat ${STATE_FILE} 2>/dev/null || true`);
  if (result.stdout.trim() === '') return { current: null, history: [] };
  try {
    const state = JSON.parse(result.stdout) as TargetState;
    if (!Array.isArray(state.history)) throw new Error('no history');
    return state;
  } catch {
    throw new TinyEdgeError('E_DEPLOY', `${target.description}/${STATE_FILE} is not valid`, `Inspect or remove ${STATE_FILE} on the target; the releases themselves are untouched.`);
  }
}

async function writeState(target: DeployTarget, state: TargetState): Promise<void> {
  const json = JSON.stringify(state, null, 2);
  await mustExec(target, `printf '%s\\n' ${shellQuote(json)} > ${STATE_FILE}.next && mv ${STATE_FILE}.next ${STATE_FILE}`, 'write the release history');
}

async function mustExec(target: DeployTarget, command: string, what: string): Promise<void> {
  const result = await target.exec(command);
  if (result.code !== 0) {
    throw new TinyEdgeError('E_DEPLOY', `could not ${what} on ${target.description}: ${result.stderr.trim()}`, 'Check permissions and free space on the target.');
  }
}
