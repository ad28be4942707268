import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isWithin, payloadPathError, subPathSegments } from './paths';
import { expandSubPathExpr } from './subpath-expr';

test('payloadPathError refuses escapes, absolute paths, empty segments and reserved names', () => {
  const cases: [string, boolean][] = [
    ['key', true],
    ['dir/key', true],
    ['a.b..c', true],
    ['', false],
    ['/etc/passwd', false],
    ['..', false],
    ['../x', false],
    ['a/../../x', false],
    ['a/..', false],
    ['..data', false],
    ['..2026_x/k', false],
    ['a//b', false],
    ['a/', false],
    ['./a', false],
    ['a/./b', false],
  ];
  for (const [p, ok] of cases) assert.equal(payloadPathError(p) === undefined, ok, p);
});

test('subPathSegments', () => {
  assert.deepEqual(subPathSegments('a/b'), ['a', 'b']);
  assert.deepEqual(subPathSegments('a//./b/'), ['a', 'b']);
  assert.throws(() => subPathSegments('/etc'), /relative/);
  assert.throws(() => subPathSegments('../x'), /'\.\.'/);
  assert.throws(() => subPathSegments('a/../../x'), /'\.\.'/);
});

test('isWithin', () => {
  assert.ok(isWithin('/v', '/v'));
  assert.ok(isWithin('/v', '/v/a'));
  assert.ok(!isWithin('/v', '/vx'));
  assert.ok(!isWithin('/v', '/'));
});

test('expandSubPathExpr: $(VAR), $$ escapes, unterminated kept, missing is an error', () => {
  const env = { POD: 'p1', NS: 'team', EMPTY: '' };
  const cases: [string, string][] = [
    ['$(POD)', 'p1'],
    ['logs/$(NS)/$(POD)', 'logs/team/p1'],
    ['$$(POD)', '$(POD)'],
    ['a$$b', 'a$b'],
    ['$POD', '$POD'],
    ['x$', 'x$'],
    ['$(POD', '$(POD'],
  ];
  for (const [expr, want] of cases) assert.equal(expandSubPathExpr(expr, env), want, expr);
  assert.throws(() => expandSubPathExpr('$(NOPE)/$(EMPTY)', env), /missing value for EMPTY, NOPE/);
});
