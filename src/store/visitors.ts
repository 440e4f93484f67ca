import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Store } from './connect.js';
import { guard } from './errors.js';
import { forgetUser } from './likes.js';
import { date, type RawRow, str } from './rows.js';
import { checkText, sqlString } from './sql.js';

/** What a new visitor is told once; the secret is never stored, only its hash. */
export interface VisitorCredential {
  /** 128 random bits, base64url (22 characters). */
  id: string;
  /** 256 random bits, base64url (43 characters). */
  secret: string;
}

export interface VisitorRecord {
  id: string;
  /** sha256 of the secret, hex. */
  secretHash: string;
  created: Date;
}

/** Issued ids and secrets have exactly this shape; anything else cannot be one of ours. */
export const VISITOR_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;
export const VISITOR_SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** The likes table's user id for a web visitor. */
export function visitorUserId(id: string): string {
  return `web:${checkText(id, 'visitor id')}`;
}

/** A fast hash is enough: the secret is 256 random bits, so there is nothing to brute-force. */
export function hashVisitorSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Constant-time comparison of a presented secret with a stored hash. */
export function secretMatches(secretHash: string, secret: string): boolean {
  const presented = Buffer.from(hashVisitorSecret(secret), 'hex');
  const stored = Buffer.from(secretHash, 'hex');
  return stored.length === presented.length && timingSafeEqual(stored, presented);
}

export async function createVisitor(store: Store, created = new Date()): Promise<VisitorCredential> {
  const credential = { id: randomBytes(16).toString('base64url'), secret: randomBytes(32).toString('base64url') };
  await guard('createVisitor', () =>
    store.appendGate.write(() =>
      store.tables.visitors.add([{ id: credential.id, secret_hash: hashVisitorSecret(credential.secret), created }]),
    ),
  );
  return credential;
}

/**
 * The visitors table's version: unchanged means no visitor was created or erased since, so a
 * credential read at that version still holds. Costs a look at the table's latest version, not a query.
 */
export async function visitorsVersion(store: Store): Promise<number> {
  return guard('visitorsVersion', () => store.tables.visitors.version());
}

export async function findVisitor(store: Store, id: string): Promise<VisitorRecord | null> {
  const rows: RawRow[] = await guard('findVisitor', () =>
    store.tables.visitors
      .query()
      .where(`id = ${sqlString(checkText(id, 'visitor id'))}`)
      .select(['id', 'secret_hash', 'created'])
      .limit(1)
      .toArray(),
  );
  const row = rows[0];
  return row ? { id: str(row, 'id'), secretHash: str(row, 'secret_hash'), created: date(row, 'created') } : null;
}

/** True only when the visitor exists and the secret is its own. */
export async function verifyVisitor(store: Store, id: string, secret: string): Promise<boolean> {
  const visitor = await findVisitor(store, id);
  return visitor !== null && secretMatches(visitor.secretHash, secret);
}

/**
 * Erases a visitor: every like first, then the visitor row, so an erase cut short leaves a visitor
 * that can erase again rather than likes nobody can reach.
 */
export async function deleteVisitor(store: Store, id: string): Promise<{ visitor: boolean; likes: number }> {
  const { likes } = await forgetUser(store, visitorUserId(id));
  const result = await guard('deleteVisitor', () => store.writeGate.write(() => store.tables.visitors.delete(`id = ${sqlString(id)}`)));
  return { visitor: result.numDeletedRows > 0, likes };
}
