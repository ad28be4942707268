import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../../machinery/errors';
import { decodeBody } from './body';
import { nestedDeeperThan, textNestedDeeperThan } from './nesting';

const deepJson = (d: number) => `{"data":${'{"a":'.repeat(d)}1${'}'.repeat(d)}}`;

test('nestedDeeperThan counts object and array levels without recursion', () => {
  assert.equal(nestedDeeperThan({ a: { b: [1] } }, 3), false);
  assert.equal(nestedDeeperThan({ a: { b: [1] } }, 2), true);
  assert.equal(nestedDeeperThan('x', 0), false);
  assert.equal(nestedDeeperThan(JSON.parse(deepJson(200000)), 100), true);
});

test('textNestedDeeperThan ignores brackets inside quoted strings', () => {
  assert.equal(textNestedDeeperThan(`{"a": "${'{'.repeat(500)}"}`, 100), false);
  assert.equal(textNestedDeeperThan(`a: '${'['.repeat(500)}'`, 100), false);
  assert.equal(textNestedDeeperThan(deepJson(150), 100), true);
  let block = '';
  for (let i = 0; i < 600; i++) block += `${' '.repeat(i)}a:\n`;
  assert.equal(textNestedDeeperThan(block, 100), true);
});

test('decodeBody answers 400 for pathological nesting in every format', () => {
  const is400 = (err: unknown) => err instanceof ApiError && err.code === 400 && /nested more than 100 levels/.test(err.message);
  assert.throws(() => decodeBody(Buffer.from(deepJson(3000)), 'json'), is400);
  assert.throws(() => decodeBody(Buffer.from(deepJson(3000)), 'yaml'), is400);
  assert.deepEqual(decodeBody(Buffer.from(deepJson(20)), 'yaml'), JSON.parse(deepJson(20)));
});
