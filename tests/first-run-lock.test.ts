import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { BUILD_LOCK_NAME, takeBuildLock } from '../src/pipeline/build-lock.js';
import { firstRunBuild } from '../src/pipeline/first-run.js';
import { acquireLock, HEARTBEAT_STALE_MS, LockHeldError, type LockOwner, tryLock } from '../src/util/dir-lock.js';
import { makeTasteDataset, type TasteFixture } from './fixtures/movielens-taste.js';
import { startCli } from './helpers/cli.js';

let work: string;
/** A process that stays alive until the end of the file: a live lock holder that is not this process. */
let sleeper: ChildProcess;
let livePid: number;
/** A pid that certainly ran and ended. */
let deadPid: number;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'reelrec-lock-'));
  sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 600000)'], { stdio: 'ignore' });
  livePid = sleeper.pid as number;
  deadPid = spawnSync(process.execPath, ['-e', '']).pid as number;
});

afterAll(() => {
  sleeper.kill('SIGKILL');
});

const owner = (pid: number, host = hostname()): LockOwner => ({
  pid,
  hostname: host,
  started: '2026-01-01T00:00:00.000Z',
  purpose: 'the first build',
});

async function lockDir(name: string): Promise<{ dir: string; file: string }> {
  const dir = join(work, name);
  await mkdir(dir, { recursive: true });
  return { dir, file: join(dir, BUILD_LOCK_NAME) };
}

describe('data-dir lock', () => {
  it('is taken by exclusive create, names its holder, refuses a second taker, and is released', async () => {
    const { file } = await lockDir('basic');
    const lines: string[] = [];
    const first = await tryLock(file, 'the first build', (l) => lines.push(l));
    if (!('release' in first)) throw new Error('the first taker did not get the lock');
    const written = JSON.parse(await readFile(file, 'utf8')) as LockOwner;
    expect(written).toMatchObject({ pid: process.pid, hostname: hostname(), purpose: 'the first build' });
    expect(Number.isNaN(Date.parse(written.started))).toBe(false);
    // This very process taking it again counts as a restarted container (same pid): only a
    // different live pid is a real second taker, so that case goes through a lock file naming one.
    await writeFile(file, JSON.stringify(owner(livePid)));
    const second = await tryLock(file, 'another build', (l) => lines.push(l));
    expect('release' in second).toBe(false);
    expect(second).toMatchObject({ pid: livePid });
    // The first holder's release leaves a lock that is no longer its own alone.
    await first.release();
    expect(existsSync(file)).toBe(true);
    expect(lines).toEqual([]);
  });

  it('takes over a lock whose process is gone on this host, with one log line', async () => {
    const { file } = await lockDir('stale');
    await writeFile(file, JSON.stringify(owner(deadPid)));
    const lines: string[] = [];
    const got = await tryLock(file, 'the first build', (l) => lines.push(l));
    if (!('release' in got)) throw new Error(`a dead holder was not taken over: ${JSON.stringify(got)}`);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`taking over .*${BUILD_LOCK_NAME}: the first build by pid ${deadPid} .*is no longer running`));
    expect((JSON.parse(await readFile(file, 'utf8')) as LockOwner).pid).toBe(process.pid);
    await got.release();
    expect(existsSync(file)).toBe(false);
    expect((await readdir(join(work, 'stale'))).filter((f) => f.includes('.stale-'))).toEqual([]);
  });

  it("trusts another host's lock while it is touched, and takes it over once it is not", async () => {
    const { file } = await lockDir('other-host');
    await writeFile(file, JSON.stringify(owner(livePid, 'some-other-host')));
    const held = await tryLock(file, 'x', () => {});
    expect(held).toMatchObject({ hostname: 'some-other-host' });
    const old = new Date(Date.now() - HEARTBEAT_STALE_MS - 60_000);
    await utimes(file, old, old);
    const got = await tryLock(file, 'x', () => {});
    expect('release' in got).toBe(true);
    if ('release' in got) await got.release();
  });

  it('treats an empty lock as being written for a moment, then as the leftover of a holder that died', async () => {
    const { file } = await lockDir('empty');
    await writeFile(file, '');
    const fresh = await tryLock(file, 'x', () => {});
    expect(fresh).toMatchObject({ pid: 0, purpose: 'a process taking the lock' });
    const old = new Date(Date.now() - 60_000);
    await utimes(file, old, old);
    const lines: string[] = [];
    const got = await tryLock(file, 'x', (l) => lines.push(l));
    expect('release' in got).toBe(true);
    expect(lines).toEqual([expect.stringMatching(/removing the unreadable lock .* \(older than 10 s\)/)]);
    if ('release' in got) await got.release();
  });

  it('a wait gives up after its bound with one waiting line and a LockHeldError naming the holder', async () => {
    const { file } = await lockDir('bounded');
    await writeFile(file, JSON.stringify(owner(livePid)));
    const lines: string[] = [];
    const error = await acquireLock(file, { purpose: 'x', log: (l) => lines.push(l), waitMs: 400, pollMs: 50 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockHeldError);
    expect((error as LockHeldError).message).toMatch(new RegExp(`^the first build by pid ${livePid} .*still holds`));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^reelrec: waiting for the first build by pid ${livePid} \\(since .*\\) to finish`));
  });

  it('a waiter gets the lock once the holder releases it', async () => {
    const { file } = await lockDir('handover');
    await writeFile(file, JSON.stringify(owner(livePid)));
    const waiting = acquireLock(file, { purpose: 'x', log: () => {}, waitMs: 10_000, pollMs: 50 });
    setTimeout(() => void import('node:fs/promises').then((fs) => fs.rm(file)), 300);
    const got = await waiting;
    expect(got.owner.pid).toBe(process.pid);
    await got.release();
  });

  it('`reelrec build` refuses at once, in one line, while another process builds', async () => {
    const { dir, file } = await lockDir('refuse');
    await writeFile(file, JSON.stringify(owner(livePid)));
    const config = loadConfig({ REELREC_DATA_DIR: dir });
    const error = await takeBuildLock(config, '`reelrec build`', () => {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockHeldError);
    expect((error as Error).message).toMatch(new RegExp(`^the first build by pid ${livePid} .*is writing a build into .*run this again`));
    expect((error as Error).message).not.toContain('\n');
  });

  it('a start waiting for the build lock serves what the holder built instead of building again', async () => {
    const { dir, file } = await lockDir('serve-theirs');
    await writeFile(file, JSON.stringify(owner(livePid)));
    const config = loadConfig({ REELREC_DATA_DIR: dir, MOVIELENS_DIR: join(work, 'no-movielens-needed') });
    const lines: string[] = [];
    const building = firstRunBuild(config, (l) => lines.push(l), { waitMs: 10_000 });
    // The holder finishes: build.json is the last thing it writes, then it releases the lock.
    setTimeout(async () => {
      await mkdir(join(dir, 'artifacts', 'ml-100k'), { recursive: true });
      await writeFile(join(dir, 'artifacts', 'ml-100k', 'build.json'), '{}');
      await import('node:fs/promises').then((fs) => fs.rm(file));
    }, 300);
    expect(await building).toBe(false);
    expect(lines[0]).toMatch(/waiting for the first build by pid/);
    expect(lines.at(-1)).toMatch(/built by another process meanwhile; serving that build/);
    expect(existsSync(file)).toBe(false);
  });
});

describe('two `reelrec start` on one fresh data dir', () => {
  let fixture: TasteFixture;
  beforeAll(async () => {
    fixture = await makeTasteDataset();
  });

  it('the second waits for the first one’s build and serves it; only dead builders’ scratch is cleared', async () => {
    const home = join(work, 'two-starts');
    // Scratch of a builder that died, and of one that still runs (it must be left alone).
    await mkdir(join(home, `.first-build-${deadPid}`, 'models'), { recursive: true });
    await mkdir(join(home, `.first-build-${livePid}`, 'models'), { recursive: true });
    const env = { REELREC_DATA_DIR: home, REELREC_EMBEDDER: 'hashing' };
    const args = ['start', '--data', fixture.dir, '--text', fixture.textFile];
    // Both at once: whichever takes the lock builds and the other reaches it within its own start-up
    // time, long before the build ends. (Starting the second only once the first held the lock left
    // a busy machine's slower start-up of the second racing the whole build, and it lost once.)
    const started = await Promise.all([startCli(args, env, 120_000), startCli(args, env, 120_000)]);
    const builders = started.filter((s) => /\(built first\)/.test(s.stdout()));
    expect(builders).toHaveLength(1);
    const a = builders[0] as (typeof started)[number];
    const b = started.find((s) => s !== a) as (typeof started)[number];
    try {
      expect(a.stdout()).toMatch(/\(built first\)/);
      expect(b.stdout()).not.toMatch(/built first/);
      expect(b.stderr()).toMatch(/reelrec: waiting for the first build by pid \d+ \(since .*\) to finish/);
      expect(b.stderr().match(/waiting for/g)).toHaveLength(1);
      expect(b.stderr()).toMatch(/built by another process meanwhile; serving that build/);
      for (const server of [a, b]) {
        expect(((await (await fetch(`${server.url}/readyz`)).json()) as { status: string }).status).toBe('ready');
      }
    } finally {
      expect(await a.stop()).toBe(0);
      expect(await b.stop()).toBe(0);
    }
    const entries = await readdir(home);
    expect(entries).not.toContain(`.first-build-${deadPid}`);
    expect(entries).toContain(`.first-build-${livePid}`);
    expect(entries).not.toContain(BUILD_LOCK_NAME);
    expect(a.stderr()).toMatch(new RegExp(`left .first-build-${livePid} alone`));
  });
});
