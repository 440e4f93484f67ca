import { join } from 'node:path';
import { connect } from '@lancedb/lancedb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createVisitor,
  deleteVisitor,
  findVisitor,
  hashVisitorSecret,
  like,
  likesOf,
  type Store,
  TABLES,
  VISITOR_ID_PATTERN,
  VISITOR_SECRET_PATTERN,
  verifyVisitor,
  visitorUserId,
} from '../src/store/index.js';
import { createTempStore, openTestStore, removeTempStore } from './helpers/temp-store.js';

let dir: string;
let store: Store;

beforeEach(async () => {
  ({ dir, store } = await createTempStore('reelrec-store-visitors-'));
});

afterEach(() => removeTempStore(dir, store));

describe('visitors in the store', () => {
  it('issues random ids and secrets of 128 and 256 bits and keeps only the sha256 of the secret', async () => {
    const a = await createVisitor(store);
    const b = await createVisitor(store);
    expect(a.id).toMatch(VISITOR_ID_PATTERN);
    expect(a.secret).toMatch(VISITOR_SECRET_PATTERN);
    expect(Buffer.from(a.id, 'base64url')).toHaveLength(16);
    expect(Buffer.from(a.secret, 'base64url')).toHaveLength(32);
    expect(b.id).not.toBe(a.id);
    expect(b.secret).not.toBe(a.secret);
    const found = await findVisitor(store, a.id);
    expect(found?.secretHash).toBe(hashVisitorSecret(a.secret));
    expect(found?.secretHash).toMatch(/^[0-9a-f]{64}$/);
    const rows = await store.tables.visitors.query().toArray();
    expect(JSON.stringify(rows)).not.toContain(a.secret);
  });

  it('verifies only the visitor’s own secret', async () => {
    const a = await createVisitor(store);
    const b = await createVisitor(store);
    expect(await verifyVisitor(store, a.id, a.secret)).toBe(true);
    expect(await verifyVisitor(store, a.id, b.secret)).toBe(false);
    expect(await verifyVisitor(store, b.id, a.secret)).toBe(false);
    expect(await verifyVisitor(store, 'AAAAAAAAAAAAAAAAAAAAAA', a.secret)).toBe(false);
    expect(await verifyVisitor(store, a.id, '')).toBe(false);
    expect(await verifyVisitor(store, "x' OR '1'='1", a.secret)).toBe(false);
    expect(await findVisitor(store, "x' OR '1'='1")).toBeNull();
  });

  it('erases the visitor and every like of that person, and nobody else’s', async () => {
    const a = await createVisitor(store);
    const b = await createVisitor(store);
    for (const movie of [1, 2, 3]) await like(store, visitorUserId(a.id), movie, 1, 'web');
    await like(store, visitorUserId(b.id), 1, -1, 'web');
    expect(await deleteVisitor(store, a.id)).toEqual({ visitor: true, likes: 3 });
    expect(await findVisitor(store, a.id)).toBeNull();
    expect(await likesOf(store, visitorUserId(a.id))).toEqual([]);
    expect(await likesOf(store, visitorUserId(b.id))).toHaveLength(1);
    expect(await verifyVisitor(store, b.id, b.secret)).toBe(true);
    expect(await deleteVisitor(store, a.id)).toEqual({ visitor: false, likes: 0 });
  });

  it('a store made before the visitors table gets it, empty, on open', async () => {
    await createVisitor(store);
    store.close();
    const db = await connect(join(dir, 'db'));
    await db.dropTable(TABLES.visitors);
    db.close();
    store = await openTestStore(dir);
    expect(await store.tables.visitors.countRows()).toBe(0);
    const c = await createVisitor(store);
    expect(await verifyVisitor(store, c.id, c.secret)).toBe(true);
  });
});
