import { Worker } from 'node:worker_threads';

/**
 * Deadlines that a busy event loop cannot miss. Timers, signal handlers and the clean-up on interrupt all run on the
 * main thread's event loop: a step that keeps it busy (a pathological input to some parser, a huge file) would keep
 * the process past its deadline, with helm children and temporary folders holding credentials left behind. A worker
 * thread, which has an event loop of its own, watches the main thread's heartbeat. When a deadline has passed and
 * the main thread has not beaten for GRACE_MS, the watchdog does the clean-up itself (kills the child processes,
 * removes the temporary folders), writes the deadline's message to stderr and kills the process.
 */
const GRACE_MS = 5_000;
const BEAT_MS = 250;

interface Watchdog {
  worker: Worker;
  beat: BigInt64Array;
}

let watchdog: Watchdog | undefined;
let nextId = 0;

/** The worker's code: plain JavaScript, so that it runs the same from the sources (tests) and from dist. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { rmSync, writeSync } = require('node:fs');
const beat = workerData.beat;
const deadlines = new Map();
const pids = new Set();
const dirs = new Set();
parentPort.on('message', (message) => {
  const [kind, action, key, value, text] = message;
  const set = kind === 'pid' ? pids : kind === 'dir' ? dirs : undefined;
  if (kind === 'deadline') {
    if (action === 'add') deadlines.set(key, { at: value, text });
    else deadlines.delete(key);
  } else if (set) {
    if (action === 'add') set.add(value);
    else set.delete(value);
  }
});
setInterval(() => {
  const now = Date.now();
  if (now - Number(Atomics.load(beat, 0)) < ${GRACE_MS}) return;
  const passed = [...deadlines.values()].filter((deadline) => now > deadline.at + ${GRACE_MS});
  if (passed.length === 0) return;
  for (const pid of pids) {
    try { process.kill(pid, 'SIGKILL'); } catch {}
  }
  for (const dir of dirs) {
    try { rmSync(dir, { recursive: true, force: true }); } catch {}
  }
  try {
    writeSync(2, passed[0].text + '\\n(a step kept nx-helm busy past its deadline; it was stopped)\\n');
  } catch {}
  process.kill(process.pid, 'SIGKILL');
}, ${BEAT_MS});
`;

function start(): Watchdog {
  if (watchdog) return watchdog;
  const beat = new BigInt64Array(new SharedArrayBuffer(8));
  Atomics.store(beat, 0, BigInt(Date.now()));
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { beat } });
  // The watchdog never keeps the process alive, and its own failure must not end the command.
  worker.unref();
  worker.on('error', () => undefined);
  setInterval(() => Atomics.store(beat, 0, BigInt(Date.now())), BEAT_MS).unref();
  watchdog = { worker, beat };
  return watchdog;
}

function post(message: [string, 'add' | 'remove', number, unknown?, string?]): void {
  start().worker.postMessage(message);
}

/**
 * Registers a deadline (epoch milliseconds) with the watchdog, with the message to print if the main thread is busy
 * when it passes; the returned function removes it. The main thread's own handling of the deadline comes first: the
 * watchdog acts only GRACE_MS later, and only while the main thread does not answer.
 */
export function watchDeadline(at: number, message: string): () => void {
  const id = nextId++;
  post(['deadline', 'add', id, at, message]);
  return () => post(['deadline', 'remove', id]);
}

/** A child process or a temporary folder the watchdog stops or removes when it ends the process. */
export function watchResource(kind: 'pid' | 'dir', value: number | string): () => void {
  // Only while a deadline is watched does the watchdog run at all: resources before that need no thread.
  if (!watchdog) return () => undefined;
  const id = nextId++;
  post([kind, 'add', id, value]);
  return () => post([kind, 'remove', id, value]);
}
