import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DATABASE_KINDS,
  finished,
  REPO_ROOT,
  startOpenAIStandIn,
  startPineconeStandIn,
  YSH_BIN,
  type Finished,
  type OpenAIStandIn,
  type PineconeStandIn,
  type RecordedRequest,
  type TestDatabase,
  runProcess,
  waitFor,
} from '@ysh/test-helpers';
import { readAlias } from './manifest.ts';
import { pineconeStore } from './pinecone-store.ts';
import { verifyNamespace } from './verify.ts';

/**
 * kill -9 of the `ysh jobs worker` running the rag_docs_index step (OpenAI + Pinecone through
 * their SDKs, at local stand-ins) at seeded moments: while an embedding request is in flight,
 * while a Pinecone upsert is in flight, while a delete is in flight. The next worker takes the
 * lost step over (a new attempt of the same run). After each kill the store holds no id the
 * manifest lacks; once the run succeeds the store equals the manifest and every chunk was
 * embedded exactly once (counted at the stand-in: answered requests only — a request the worker
 * died waiting for was never answered).
 */
const DOCS = 24;

function doc(i: number): string {
  return `# Relatório de inspeção ${i}\n\n## Usina ${i}\n\nA usina ${i} foi inspecionada e o inversor ${i} apresentou ${i % 3} alarmes de isolamento.\nO técnico ${i} recomendou limpeza dos módulos da fileira ${i}.\n\n## Medições ${i}\n\nTensão de string ${500 + i} V e corrente ${8 + (i % 5)} A no dia ${i}.\n`;
}

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.enabled)(`kill -9 during indexing (${kind.kind})`, () => {
    let db: TestDatabase;
    let oa: OpenAIStandIn;
    let pc: PineconeStandIn;
    let inbox: string;
    let dataDir: string;
    beforeAll(async () => {
      db = await kind.open();
      oa = await startOpenAIStandIn({ apiKey: 'sk-crash' });
      pc = await startPineconeStandIn({ apiKey: 'pc-crash' });
      inbox = await mkdtemp(join(tmpdir(), 'ysh-rag-inbox-'));
      dataDir = await mkdtemp(join(tmpdir(), 'ysh-rag-data-'));
      for (let i = 0; i < DOCS; i++) await writeFile(join(inbox, `relatorio-${String(i).padStart(2, '0')}.md`), doc(i));
    }, 240_000);
    afterAll(async () => {
      await oa?.close();
      await pc?.close();
      await db?.close();
      if (inbox) await rm(inbox, { recursive: true, force: true });
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    });

    const env = {
      YSH_DATABASE_URL: '',
      YSH_DATA_DIR: '',
      OPENAI_API_KEY: 'sk-crash',
      YSH_OPENAI_BASE_URL: '',
      YSH_RAG_DIMENSIONS: '32',
      PINECONE_API_KEY: 'pc-crash',
      YSH_PINECONE_INDEX: 'ysh-crash',
      YSH_PINECONE_HOST: '',
      YSH_RAG_DOCS_INBOX: '',
      YSH_RAG_DEMO_DOCS: 'false',
      YSH_RAG_CHUNK_TOKENS: '60',
      YSH_RAG_CHUNK_OVERLAP: '10',
      YSH_RAG_EMBED_BATCH: '5',
      YSH_LOG_LEVEL: 'info',
    };
    const processEnv = () => ({
      ...process.env,
      ...env,
      YSH_DATABASE_URL: db.url,
      YSH_DATA_DIR: dataDir,
      YSH_OPENAI_BASE_URL: oa.baseUrl,
      YSH_PINECONE_HOST: pc.url,
      YSH_RAG_DOCS_INBOX: inbox,
      YSH_JOBS_PORT: '0',
      // No sensor or schedule: the run the test queues is the only one.
      YSH_JOBS_SCHEDULES: 'false',
      YSH_JOBS_MAINTENANCE_INTERVAL: '1s',
      YSH_JOBS_POLL_INTERVAL: '500ms',
      YSH_JOBS_CRASH_RETRIES: '10',
      // A killed worker's attempt is retried when its step times out: short here, and still far
      // longer than one whole index run of these documents at the stand-ins.
      YSH_RAG_STEP_TIMEOUT: '15s',
      YSH_JOBS_RETRY_DELAY: '1s',
    });
    /** One run of rag_docs_index, queued for the workers (`ysh jobs materialize --no-wait`). */
    const queueRun = async (): Promise<string> => {
      const r = await runProcess(['jobs', 'materialize', 'rag_docs_index', '--no-wait'], { env: processEnv() });
      const id = /run (\S+) queued/.exec(r.stdout)?.[1];
      if (!id) throw new Error(`ysh jobs materialize: ${r.stdout}${r.stderr}`);
      return id;
    };
    const runStatus = async (id: string) =>
      (await db.pool.query<{ status: string }>('SELECT status FROM job_runs WHERE id = $1', [id])).rows[0]?.status;
    /**
     * A `ysh jobs worker` process: killed with SIGKILL by the stand-ins' hook at the moment
     * `killWhen` picks, or (without one) stopped with SIGTERM once the run has finished.
     */
    const work = async (
      runId: string,
      killWhen?: (r: RecordedRequest, n: (path: string) => number) => boolean,
    ): Promise<Finished> => {
      const child = spawn(process.execPath, [YSH_BIN, 'jobs', 'worker'], {
        cwd: REPO_ROOT,
        env: processEnv(),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const counts = new Map<string, number>();
      const hook = (r: RecordedRequest) => {
        counts.set(r.path, (counts.get(r.path) ?? 0) + 1);
        if (killWhen?.(r, (p) => counts.get(p) ?? 0)) {
          child.kill('SIGKILL');
          return true;
        }
        return undefined;
      };
      oa.setHook(hook);
      pc.setHook(hook);
      const done = finished(child);
      // YSH_TEST_CHILD_LOG=1 shows the workers' own log lines.
      if (process.env.YSH_TEST_CHILD_LOG) {
        child.stdout?.pipe(process.stderr);
        child.stderr?.pipe(process.stderr);
      }
      if (!killWhen) {
        await waitFor(
          `run ${runId} to finish`,
          async () => ['succeeded', 'failed', 'canceled'].includes((await runStatus(runId)) ?? ''),
          { timeoutMs: 300_000, intervalMs: 250 },
        );
        child.kill('SIGTERM');
      }
      return done;
    };
    const noOrphans = async () => {
      const { rows } = await db.pool.query<{ id: string }>(
        `SELECT source || '#' || ordinal AS id FROM rag_manifest WHERE namespace = 'docs'`,
      );
      const manifest = new Set(rows.map((r) => r.id));
      const stored = [...pc.namespaces.values()].flatMap((m) => [...m.keys()]);
      expect(stored.filter((id) => !manifest.has(id))).toEqual([]);
    };

    it('resumes after kills at seeded moments: store equals manifest, each chunk embedded once', async () => {
      const moments: Array<[string, (r: RecordedRequest, n: (p: string) => number) => boolean]> = [
        ['2nd embedding request in flight', (r, n) => r.path === '/v1/embeddings' && n('/v1/embeddings') === 2],
        ['3rd upsert in flight', (r, n) => r.path === '/vectors/upsert' && n('/vectors/upsert') === 3],
        ['5th embedding request in flight', (r, n) => r.path === '/v1/embeddings' && n('/v1/embeddings') === 5],
      ];
      const runId = await queueRun();
      for (const [what, when] of moments) {
        const killed = await work(runId, when);
        expect(killed.signal, `${what}: ${killed.stderr}`).toBe('SIGKILL');
        await noOrphans();
      }
      const done = await work(runId);
      expect(await runStatus(runId), done.stdout + done.stderr).toBe('succeeded');
      expect(done.stdout + done.stderr).toContain('openai:text-embedding-3-large + pinecone');
      // One run: its step lost three attempts to the kills, the fourth finished it.
      const attempts = await db.pool.query<{ outcome: string }>(
        `SELECT outcome FROM job_step_attempts WHERE run_id = $1 AND asset_key = 'rag_docs_index' ORDER BY attempt`,
        [runId],
      );
      expect(attempts.rows.map((a) => a.outcome)).toEqual(['lost', 'lost', 'lost', 'succeeded']);
      const version = (await readAlias(db.pool, 'docs'))?.version as string;
      const { rows } = await db.pool.query<{ id: string; state: string }>(
        `SELECT source || '#' || ordinal AS id, state FROM rag_manifest WHERE version = $1 ORDER BY 1`,
        [version],
      );
      expect(rows.length).toBeGreaterThan(DOCS * 2);
      expect(rows.every((r) => r.state === 'committed')).toBe(true);
      expect(pc.ids(version)).toEqual(rows.map((r) => r.id).sort());
      const counts = [...oa.embedded.values()];
      expect(counts.length).toBe(rows.length);
      expect(counts.every((c) => c === 1)).toBe(true);
      const v = await verifyNamespace(
        db.pool,
        pineconeStore({ apiKey: 'pc-crash', index: 'ysh-crash', host: pc.url }),
        'docs',
      );
      expect(v).toMatchObject({ missing: [], orphaned: [], stale: [] });
    }, 900_000);

    it('a kill while deleting a removed document leaves no orphan once resumed', async () => {
      await unlink(join(inbox, 'relatorio-03.md'));
      await unlink(join(inbox, 'relatorio-07.md'));
      const runId = await queueRun();
      const killed = await work(runId, (r) => r.path === '/vectors/delete');
      expect(killed.signal).toBe('SIGKILL');
      await noOrphans();
      const before = oa.requests.length;
      const done = await work(runId);
      expect(await runStatus(runId), done.stdout + done.stderr).toBe('succeeded');
      expect(oa.requests.length).toBe(before);
      const version = (await readAlias(db.pool, 'docs'))?.version as string;
      expect(pc.ids(version).filter((id) => /relatorio-0[37]/.test(id))).toEqual([]);
      const { rows } = await db.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM rag_manifest WHERE version = $1`,
        [version],
      );
      expect(pc.ids(version).length).toBe(rows[0]?.n);
    }, 600_000);
  });
}
