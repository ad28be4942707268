import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  ERR_FORMAT_WRONG,
  ERR_SUFFIX,
  addQuantity,
  canonicalQuantity,
  compareQuantity,
  formatQuantity,
  milliValue,
  parseQuantity,
  toNumber,
} from './quantity';

describe('parseQuantity → canonical string', () => {
  const cases: [string, string][] = [
    ['0', '0'],
    ['1Gi', '1Gi'],
    ['1024Mi', '1Gi'],
    ['300Mi', '300Mi'],
    ['6Ki', '6Ki'],
    ['1025Ki', '1025Ki'],
    ['1.5Gi', '1536Mi'],
    ['0.5Ki', '512'],
    ['500m', '500m'],
    ['0.5', '500m'],
    ['.5', '500m'],
    ['1000', '1k'],
    ['1500', '1500'],
    ['1.5k', '1500'],
    ['1000m', '1'],
    ['1e3', '1e3'],
    ['1E3', '1E3'],
    ['12e6', '12e6'],
    ['1e-6', '1e-6'],
    ['0.1m', '100u'],
    ['1n', '1n'],
    ['0.0000000001', '1n'],
    ['-1u', '-1u'],
    ['100M', '100M'],
    ['1000000000', '1G'],
    ['8Ei', '9223372036854775807'],
  ];
  for (const [input, want] of cases) test(`${input} → ${want}`, () => assert.equal(formatQuantity(parseQuantity(input)), want));
});

describe('parse errors', () => {
  const format = ['1.1.M', '1+1.0M', '0.1am', 'aoeu', ' 1', '1 ', ''];
  for (const s of format) test(JSON.stringify(s), () => assert.throws(() => parseQuantity(s), { message: ERR_FORMAT_WRONG }));
  const suffix = ['0.1mi', '.5i', '1i', '-3.01i', '1e'];
  for (const s of suffix) test(JSON.stringify(s), () => assert.throws(() => parseQuantity(s), { message: ERR_SUFFIX }));
  test('message names the regex', () => {
    assert.equal(ERR_FORMAT_WRONG, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
  });
});

test('JSON values: numbers and padded strings', () => {
  assert.equal(canonicalQuantity(0.25), '250m');
  assert.equal(canonicalQuantity(' 2Gi '), '2Gi');
  assert.equal(canonicalQuantity('x'), undefined);
});

test('compare, add, numeric views', () => {
  assert.equal(compareQuantity(parseQuantity('1Gi'), parseQuantity('1073741824')), 0);
  assert.equal(compareQuantity(parseQuantity('500m'), parseQuantity('1')), -1);
  assert.equal(formatQuantity(addQuantity(parseQuantity('1Gi'), parseQuantity('1Gi'))), '2Gi');
  assert.equal(formatQuantity(addQuantity(parseQuantity('0'), parseQuantity('100m'))), '100m');
  assert.equal(toNumber(parseQuantity('1.5')), 1.5);
  assert.equal(milliValue(parseQuantity('1.5')), 1500n);
  assert.equal(milliValue(parseQuantity('1n')), 1n);
});
