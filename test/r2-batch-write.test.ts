/**
 * SPEC R2 (multi-item writes) and I3's import path: `batchWrite` marshals items itself and sends
 * the low-level command. What it stores must read back through the document client exactly as
 * if the document client had written it, also after the document client has run commands of
 * its own (lib-dynamodb writes defaults into the marshalling options it is given, which once
 * made every batch write fail when the two shared one options object).
 */
import { describe, expect, it } from 'vitest';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { useTestApp, type TestApp } from './support/app';
import { batchGet, batchWrite, keyString, type Item } from '#shared/db/batch';

let app: TestApp;
useTestApp((started) => ({ app } = started));

const read = async (PK: string, SK: string) => {
  const { db, tableName } = app.runtime.deps;
  return (await db.send(new GetCommand({ TableName: tableName, Key: { PK, SK }, ConsistentRead: true }))).Item;
};

describe('batchWrite and batchGet (R2)', () => {
  it('stores what the document client reads back: nested maps, lists, sets, numbers, booleans; undefined left out', async () => {
    const { db, tableName } = app.runtime.deps;
    // A document-client command first: the options it mutated must not reach batchWrite.
    await db.send(new PutCommand({ TableName: tableName, Item: { PK: 'BW#doc', SK: 'x', n: 1 } }));
    const item: Item = {
      PK: 'BW#1',
      SK: 'item',
      fields: { name: '회원', age: 41, nested: { deep: ['a', 2, true] } },
      groupIds: [],
      tags: new Set(['a', 'b']),
      gens: new Set([3, 4]),
      flag: false,
      gone: undefined,
    };
    await batchWrite(db, tableName, [{ put: item }]);
    const back = await read('BW#1', 'item');
    expect(back).toEqual({
      PK: 'BW#1',
      SK: 'item',
      fields: { name: '회원', age: 41, nested: { deep: ['a', 2, true] } },
      groupIds: [],
      tags: new Set(['a', 'b']),
      gens: new Set([3, 4]),
      flag: false,
    });
    expect(back).not.toHaveProperty('gone');
  });

  it('writes and deletes many items in chunks of 25', async () => {
    const { db, tableName } = app.runtime.deps;
    const keys = Array.from({ length: 260 }, (_, i) => ({ PK: `BW#many#${i % 3}`, SK: String(i).padStart(4, '0') }));
    await batchWrite(db, tableName, keys.map((k) => ({ put: { ...k, i: Number(k.SK), other: 'not read by a projection' } })), 4);
    for (const k of [keys[0]!, keys[129]!, keys[259]!]) expect((await read(k.PK, k.SK))?.i).toBe(Number(k.SK));
    // batchGet in chunks of 100; with attributes named, only those (and the keys) are read.
    const some = await batchGet(db, tableName, [...keys.slice(0, 150), { PK: 'BW#many#9', SK: 'none' }], ['i']);
    expect(some.size).toBe(150);
    expect(some.get(keyString(keys[120]!))).toEqual({ ...keys[120], i: 120 });
    await batchWrite(db, tableName, keys.map((k) => ({ delete: k })), 4);
    for (const k of [keys[0]!, keys[129]!, keys[259]!]) expect(await read(k.PK, k.SK)).toBeUndefined();
  });
});
