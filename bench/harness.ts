/**
 * What a benchmark suite is: tasks that tinybench times, each doing
 * `opsPerCall` operations per call (a batch of 256 frames counts 256), and
 * optionally naming the peer task it is compared with in the same run.
 * Suites that measure something other than a rate (wall time of a scenario,
 * memory) add plain rows through `extra`.
 */
export interface BenchTask {
  readonly name: string;
  readonly fn: () => unknown;
  readonly opsPerCall?: number;
  /** The name of the task in this suite that this one is measured against. */
  readonly versus?: string;
  /**
   * Runs before each call, outside the timed region: setup that the task
   * needs but does not measure, such as restoring frames the last call
   * rewrote in place.
   */
  readonly beforeEach?: () => void;
}

export interface ExtraRow {
  readonly task: string;
  readonly value: number;
  readonly unit: string;
}

/**
 * Tasks that a program outside this process times by itself, before and
 * after the suite's own tasks in each round: a peer written in another
 * language.
 */
export interface OutsidePeer {
  readonly tasks: ReadonlyArray<{ readonly name: string; readonly versus?: string }>;
  /** Runs the program for `millisPerTask` a task; each task's rate in operations per second, in order. */
  measure(millisPerTask: number): number[];
}

export interface Suite {
  readonly name: string;
  readonly tasks: readonly BenchTask[];
  readonly outside?: OutsidePeer;
  /** Milliseconds tinybench spends on each task. */
  readonly timeMs?: number;
  readonly extra?: () => Promise<ExtraRow[]> | ExtraRow[];
}
