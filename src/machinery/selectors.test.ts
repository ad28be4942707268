import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatLabels,
  labelSelectorToString,
  matchFields,
  matchLabelSelector,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  selectorString,
} from './selectors';

describe('label selector strings', () => {
  const roundTrip: [string, string][] = [
    ['x=a,y=b,z=c', 'x=a,y=b,z=c'],
    ['z=c,x=a', 'x=a,z=c'],
    ['x==a', 'x==a'],
    ['x!=a', 'x!=a'],
    ['x in (b,a)', 'x in (a,b)'],
    ['x notin (a)', 'x notin (a)'],
    ['x', 'x'],
    ['!x', '!x'],
    ['x=', 'x='],
    ['x in ()', 'x in ()'],
    ['x>1', 'x>1'],
    ['  x = a  ', 'x=a'],
    ['', ''],
  ];
  for (const [input, want] of roundTrip) test(JSON.stringify(input), () => assert.equal(selectorString(parseLabelSelector(input)), want));

  const bad: [string, string][] = [
    ['x=a,', "found '', expected: identifier after ','"],
    ['x y', "unable to parse requirement: found 'y', expected: in, notin, =, ==, !=, gt, lt"],
    [',x', "found ',', expected: !, identifier, or 'end of string'"],
    ['x in a', "unable to parse requirement: found 'a' expected: '('"],
    ['x=a b', "found 'b', expected: ',' or 'end of string'"],
    ['x in (a b)', "unable to parse requirement: found 'b', expected: ',' or ')'"],
  ];
  for (const [input, msg] of bad) test(`rejects ${JSON.stringify(input)}`, () => assert.throws(() => parseLabelSelector(input), { message: msg }));

  test('bad key and value messages', () => {
    assert.throws(() => parseLabelSelector('-a=b'), /^SelectorError: unable to parse requirement: <nil>: Invalid value: "-a": name part must consist of/);
    assert.throws(() => parseLabelSelector('a=-b'), /unable to parse requirement: values\[0\]\[a\]: Invalid value: "-b": a valid label must be/);
  });

  test('matching', () => {
    const l = { app: 'web', tier: 'fe' };
    assert.equal(matchesLabels(parseLabelSelector('app=web,tier in (fe,be)'), l), true);
    assert.equal(matchesLabels(parseLabelSelector('app!=web'), l), false);
    assert.equal(matchesLabels(parseLabelSelector('!missing,app'), l), true);
    assert.equal(matchesLabels(parseLabelSelector('x notin (a)'), l), true);
    assert.equal(matchesLabels(parseLabelSelector(''), l), true);
  });
});

describe('metav1.LabelSelector', () => {
  test('format and match', () => {
    const sel = { matchLabels: { b: '2', a: '1' }, matchExpressions: [{ key: 'c', operator: 'In', values: ['y', 'x'] }, { key: 'd', operator: 'DoesNotExist' }] };
    assert.equal(labelSelectorToString(sel), 'a=1,b=2,c in (x,y),!d');
    assert.equal(matchLabelSelector(sel, { a: '1', b: '2', c: 'x' }), true);
    assert.equal(matchLabelSelector(sel, { a: '1', b: '2', c: 'x', d: '' }), false);
    assert.equal(labelSelectorToString({}), '<none>');
    assert.equal(labelSelectorToString({ matchExpressions: [{ key: 'a', operator: 'Bad' }] }), '<error>');
    assert.equal(matchLabelSelector(undefined, {}), false);
    assert.equal(matchLabelSelector({}, {}), true);
  });
  test('formatLabels', () => {
    assert.equal(formatLabels({ b: '1', a: '2' }), 'a=2,b=1');
    assert.equal(formatLabels({}), '<none>');
  });
});

describe('field selectors', () => {
  test('parse and match', () => {
    const r = parseFieldSelector('spec.nodeName=n1,status.phase!=Failed');
    assert.equal(matchFields(r, { 'spec.nodeName': 'n1', 'status.phase': 'Running' }), true);
    assert.equal(matchFields(r, { 'spec.nodeName': 'n1', 'status.phase': 'Failed' }), false);
    assert.deepEqual(parseFieldSelector('a==b'), [{ field: 'a', operator: '==', value: 'b' }]);
    assert.deepEqual(parseFieldSelector('a=x\\,y'), [{ field: 'a', operator: '=', value: 'x,y' }]);
  });
  test('errors', () => {
    assert.throws(() => parseFieldSelector('abc'), { message: "invalid selector: 'abc'; can't understand 'abc'" });
    assert.throws(() => parseFieldSelector('a=b=c'), { message: 'invalid field selector: unescaped character in value: 61' });
    assert.throws(() => parseFieldSelector('a=b\\x'), { message: 'invalid field selector: invalid escape sequence: \\x' });
  });
});
