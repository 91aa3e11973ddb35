/** CPU architecture of a board's userland, as Node names it (`process.arch`). */
export type BoardArch = 'arm64' | 'arm' | 'x64';

/**
 * How {@link detectBoard} recognises a board. Every field is optional; a
 * profile without any (such as `simulated`) is only ever chosen by id.
 */
export interface BoardMatch {
  /** Regular expression source tested against `/proc/device-tree/model` (trailing NUL removed). */
  deviceTreeModel?: string;
  /** Raspberry Pi revision-code type fields (bits 4-11 of a new-style `Revision`), e.g. `[0x17]` for the Pi 5. */
  piRevisionType?: number[];
  /** Regular expression source tested against the `Hardware` line of `/proc/cpuinfo`. */
  cpuinfoHardware?: string;
  /** Use this profile when nothing more specific matched on this architecture. */
  fallbackForArch?: BoardArch;
}

/** The board's processor. */
export interface BoardCpu {
  /** Human-readable model, e.g. `Broadcom BCM2712 (4x Cortex-A76)`. */
  model: string;
  /** Cores in total. */
  cores: number;
  /** Highest stock clock, MHz. */
  maxMHz: number;
  /** Lowest clock the stock governor uses, MHz. */
  minMHz?: number;
  /** Instruction-set features that matter for inference, as `/proc/cpuinfo` names them (e.g. `asimd`, `asimddp`, `avx2`). */
  features?: string[];
}

/** A power sensor a board can have; which ones are present is found at run time (see `listPowerSources`). */
export type BoardPowerSensor =
  | {
    /** hwmon chips, recognised by their `name` file. */
    kind: 'hwmon';
    /** The `name` values to look for, e.g. `ina219`, `ina3221`. */
    chips: string[];
  }
  | {
    /** `pmic`: the Raspberry Pi 5 PMIC (`vcgencmd pmic_read_adc`); `battery`: `/sys/class/power_supply`;
     * `rapl`: x86 energy counters under `/sys/class/powercap`; `serial-meter`: an external USB or serial
     * meter (configured explicitly, never probed). */
    kind: 'pmic' | 'battery' | 'rapl' | 'serial-meter';
  };

/** What a board draws and how it can be measured. */
export interface BoardPower {
  /** Whole-board draw when idle, watts; the `estimate` power source uses it. */
  idleW: number;
  /** Whole-board draw with every core busy, watts. */
  loadW: number;
  /** Where `idleW` and `loadW` come from: a citation or URL, or the word "estimate" and why. */
  figuresFrom: string;
  /** Sensors the board can have, in order of preference. */
  sensors: BoardPowerSensor[];
}

/** A thermal zone the board is known to have. */
export interface BoardThermalZone {
  /** The zone's `type` file, e.g. `cpu-thermal`. */
  type: string;
  /** Short label for displays and telemetry, e.g. `soc`. */
  label: string;
}

/** An LED under `/sys/class/leds`. */
export interface BoardLed {
  /** Directory name under `/sys/class/leds`, e.g. `ACT`. */
  name: string;
  /** What the LED is for; `activity` is the one blinked while a model infers. */
  role: 'activity' | 'power' | 'user';
}

/** A serial device the board exposes. */
export interface BoardSerialDevice {
  /** Device path, e.g. `/dev/serial0`. */
  path: string;
  /** Where it comes out, e.g. `GPIO 14/15 (header pins 8/10)`. */
  label: string;
}

/** An inference accelerator on the board. */
export interface BoardAccelerator {
  /** What kind of accelerator. */
  kind: 'edgetpu' | 'gpu' | 'npu';
  /** Human-readable name. */
  name: string;
  /** TFLite delegate library to load for it, when one exists (e.g. `libedgetpu.so.1`). */
  delegateLibrary?: string;
}

/** How tinyedge should run inference on the board. */
export interface BoardInference {
  /** Recommended interpreter threads. */
  threads: number;
  /** `native` (TFLite C library) or `portable` (WebAssembly) where the native one is unavailable. */
  backend?: 'native' | 'portable';
}

/**
 * A board described as data: one `boards/<id>.json` file, validated by
 * `boards/schema.json`. Load them with `loadBoards` or `getBoard`.
 */
export interface BoardProfile {
  /** Stable id, the file name without `.json`, e.g. `raspberry-pi-5`. */
  id: string;
  /** Human-readable name, e.g. `Raspberry Pi 5`. */
  name: string;
  /** Who makes it. */
  vendor: string;
  /** How to recognise it. */
  match: BoardMatch;
  /** Userland architecture tinyedge runs on. */
  arch: BoardArch;
  /** The processor. */
  cpu: BoardCpu;
  /** Memory variants sold, MB. */
  memoryMB: number[];
  /** Power figures and sensors. */
  power: BoardPower;
  /** Known thermal zones. */
  thermalZones: BoardThermalZone[];
  /** Known LEDs. */
  leds: BoardLed[];
  /** Serial devices. */
  serial: BoardSerialDevice[];
  /** Inference accelerators. */
  accelerators: BoardAccelerator[];
  /** Inference settings. */
  inference: BoardInference;
  /** Anything else worth knowing. */
  notes?: string;
}
