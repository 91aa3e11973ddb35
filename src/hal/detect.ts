import { TinyEdgeError } from '../errors.js';
import { loadBoards } from './boards.js';
import type { BoardArch, BoardProfile } from './board-profile.js';
import { readCpuInfo } from './cpuinfo.js';
import type { CpuInfo } from './cpuinfo.js';
import { readMemory } from './memory.js';
import { decodePiRevision } from './pi-revision.js';
import type { PiRevision } from './pi-revision.js';
import { isLiveRoot, readOptionalText, resolveRoot, stripNul } from './sysfs-read.js';

/**
 * Which rule chose the profile, most specific first: `forced` (an explicit
 * id), `pi-revision` (the Raspberry Pi revision-code type), `device-tree-model`,
 * `cpuinfo-hardware`, `fallback-arch` (the generic board of the architecture).
 */
export type BoardMatchRule = 'forced' | 'pi-revision' | 'device-tree-model' | 'cpuinfo-hardware' | 'fallback-arch';

/** The board {@link detectBoard} found and what it read on the way. */
export interface DetectedBoard {
  /** The matching profile. */
  profile: BoardProfile;
  /** Which rule matched. */
  matchedBy: BoardMatchRule;
  /** The evidence, e.g. `Revision d04170 has type 0x17 (5)`. */
  matchDetail: string;
  /** Userland architecture: this process's when `root` is `/`, else inferred from the tree's `/proc/cpuinfo`. */
  arch: BoardArch;
  /** RAM the kernel manages (`MemTotal`), MB, rounded. */
  memoryMB: number;
  /** CPUs in `/proc/cpuinfo`. */
  cores: number;
  /** `/proc/device-tree/model` without its trailing NUL, when the machine has a device tree. */
  deviceTreeModel?: string;
  /** The decoded Raspberry Pi revision code, on a Raspberry Pi. */
  piRevision?: PiRevision;
}

/** Options of {@link detectBoard}. */
export interface DetectBoardOptions {
  /** Directory laid out like `/` (a fixture tree, a mounted image). Default `/`. */
  root?: string;
  /** User board directories; default `TINYEDGE_BOARDS` (see `loadBoards`). */
  boardsDir?: string | string[];
  /** Skip matching and use this profile (the `TINYEDGE_BOARD` environment variable does the same). */
  boardId?: string;
  /** Userland architecture to assume; default `process.arch` for `/`, else inferred from the tree. */
  arch?: BoardArch;
}

const ARCHES: readonly BoardArch[] = ['arm64', 'arm', 'x64'];

/**
 * Finds which board this is. Reads `/proc/device-tree/model` (or
 * `/sys/firmware/devicetree/base/model`; NUL-terminated), `/proc/cpuinfo`
 * (decoding a Raspberry Pi `Revision` code) and `/proc/meminfo`, then tries
 * every profile (user boards first) by Raspberry Pi revision type, device
 * tree model and cpuinfo `Hardware`, and falls back to the generic profile
 * of the architecture. The result says which rule matched.
 *
 * @param options - root directory, user boards, a forced id or architecture
 * @returns the board, with memory, core count and the evidence
 * @throws TinyEdgeError `E_NOT_FOUND` / `E_PERMISSION` when `/proc/cpuinfo` or `/proc/meminfo` cannot be read,
 *   `E_BOARD_UNKNOWN` for an unknown forced id or an architecture with no profile (tinyedge supports
 *   x64, arm64 and 32-bit arm), and whatever `loadBoards` throws for a broken board file
 * @example
 * ```ts
 * const board = await detectBoard();
 * console.log(board.profile.name, 'matched by', board.matchedBy); // "Raspberry Pi 5 matched by pi-revision"
 * ```
 */
export async function detectBoard(options: DetectBoardOptions = {}): Promise<DetectedBoard> {
  const root = resolveRoot(options.root);
  if (options.arch !== undefined && !ARCHES.includes(options.arch)) {
    throw new TypeError(`arch must be one of ${ARCHES.join(', ')}, found ${JSON.stringify(options.arch)}`);
  }
  const boards = await loadBoards(options.boardsDir === undefined ? {} : { dir: options.boardsDir });
  const cpuinfo = await readCpuInfo(root);
  const memory = await readMemory({ root });
  const modelText = (await readOptionalText(root, '/proc/device-tree/model')) ?? (await readOptionalText(root, '/sys/firmware/devicetree/base/model'));
  const deviceTreeModel = modelText === undefined ? undefined : stripNul(modelText);
  const piRevision = piRevisionOf(cpuinfo, deviceTreeModel);
  const arch = options.arch ?? (isLiveRoot(root) ? nodeArch(process.arch) : cpuinfo.arch);

  const found = (match: { profile: BoardProfile; matchedBy: BoardMatchRule; matchDetail: string }, actualArch: BoardArch): DetectedBoard => {
    const detected: DetectedBoard = {
      ...match,
      arch: actualArch,
      memoryMB: Math.round(memory.totalMB),
      cores: cpuinfo.processors,
    };
    if (deviceTreeModel !== undefined) detected.deviceTreeModel = deviceTreeModel;
    if (piRevision !== undefined) detected.piRevision = piRevision;
    return detected;
  };

  const forcedId = options.boardId ?? (process.env['TINYEDGE_BOARD'] || undefined);
  if (forcedId !== undefined) {
    const profile = boards.find((b) => b.id === forcedId);
    if (profile === undefined) {
      throw new TinyEdgeError('E_BOARD_UNKNOWN', `No board profile has the id ${JSON.stringify(forcedId)}${options.boardId === undefined ? ' (from TINYEDGE_BOARD)' : ''}.`,
        `Known ids: ${boards.map((b) => b.id).join(', ')}.`);
    }
    return found({ profile, matchedBy: 'forced', matchDetail: `board id ${forcedId} was given` }, arch ?? profile.arch);
  }

  for (const profile of boards) {
    const m = profile.match;
    if (m.piRevisionType !== undefined && piRevision?.type !== undefined && m.piRevisionType.includes(piRevision.type)) {
      const typeHex = `0x${piRevision.type.toString(16).padStart(2, '0')}`;
      return found({ profile, matchedBy: 'pi-revision', matchDetail: `Revision ${piRevision.code} has type ${typeHex} (${piRevision.typeName ?? 'unknown'})` }, arch ?? profile.arch);
    }
    if (m.deviceTreeModel !== undefined && deviceTreeModel !== undefined && new RegExp(m.deviceTreeModel).test(deviceTreeModel)) {
      return found({ profile, matchedBy: 'device-tree-model', matchDetail: `device-tree model "${deviceTreeModel}" matches /${m.deviceTreeModel}/` }, arch ?? profile.arch);
    }
    if (m.cpuinfoHardware !== undefined && cpuinfo.hardware !== undefined && new RegExp(m.cpuinfoHardware).test(cpuinfo.hardware)) {
      return found({ profile, matchedBy: 'cpuinfo-hardware', matchDetail: `cpuinfo Hardware "${cpuinfo.hardware}" matches /${m.cpuinfoHardware}/` }, arch ?? profile.arch);
    }
  }
  if (arch === undefined) {
    throw new TinyEdgeError('E_BOARD_UNKNOWN',
      `No board profile matches, and the architecture (${isLiveRoot(root) ? process.arch : 'not recognisable from /proc/cpuinfo'}) has no generic profile.`,
      'tinyedge runs on x64, arm64 and 32-bit arm Linux; with --root, pass the architecture, or add a board file with a match rule (see docs/hal.md).');
  }
  const fallback = boards.find((b) => b.match.fallbackForArch === arch);
  if (fallback === undefined) {
    throw new TinyEdgeError('E_BOARD_UNKNOWN', `No board profile matches and none is the fallback for ${arch}.`,
      `Add a board file with "match": {"fallbackForArch": "${arch}"} to a directory named by TINYEDGE_BOARDS.`);
  }
  const why = deviceTreeModel === undefined ? 'no device-tree model' : `device-tree model "${deviceTreeModel}" is not a known board`;
  return found({ profile: fallback, matchedBy: 'fallback-arch', matchDetail: `${why}; generic profile for ${arch}` }, arch);
}

/** A Raspberry Pi revision, only when the code is new-style and the machine says it is a Pi (other ARM kernels print `Revision : 0000`). */
function piRevisionOf(cpuinfo: CpuInfo, deviceTreeModel: string | undefined): PiRevision | undefined {
  if (cpuinfo.revision === undefined || !/^[0-9a-f]{1,8}$/i.test(cpuinfo.revision)) return undefined;
  const looksLikePi = /^Raspberry Pi\b/.test(deviceTreeModel ?? cpuinfo.model ?? '') || /^BCM2\d{3}/.test(cpuinfo.hardware ?? '');
  if (!looksLikePi) return undefined;
  const revision = decodePiRevision(cpuinfo.revision);
  return revision.newStyle ? revision : undefined;
}

function nodeArch(arch: string): BoardArch | undefined {
  return (ARCHES as readonly string[]).includes(arch) ? (arch as BoardArch) : undefined;
}
