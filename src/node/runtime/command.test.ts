import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandVars } from '../../machinery/expand';
import { containerArgs } from './command';

test('expandVars follows upstream expansion rules', () => {
  const env = new Map([
    ['A', 'x'],
    ['B', 'y z'],
  ]);
  const cases: [string, string][] = [
    ['$(A)', 'x'],
    ['$(A)-$(B)', 'x-y z'],
    ['$$(A)', '$(A)'],
    ['$$$(A)', '$x'],
    ['$(NOPE)', '$(NOPE)'],
    ['$(A', '$(A'],
    ['a$b', 'a$b'],
    ['end$', 'end$'],
    ['$()', '$()'],
    ['plain', 'plain'],
  ];
  for (const [input, want] of cases) assert.equal(expandVars(input, (n) => env.get(n)), want, input);
});

test('containerArgs merges command/args with the image as Kubernetes does', () => {
  const image = { Entrypoint: ['/ep'], Cmd: ['--cmd', '$(A)'] };
  const env = new Map([['A', 'v']]);
  const cases: [Record<string, unknown>, string[]][] = [
    [{}, ['/ep', '--cmd', '$(A)']],
    [{ command: ['/c', '$(A)'] }, ['/c', 'v']],
    [{ command: ['/c'], args: ['x'] }, ['/c', 'x']],
    [{ args: ['$(A)', '$$(A)'] }, ['/ep', 'v', '$(A)']],
  ];
  for (const [spec, want] of cases) assert.deepEqual(containerArgs({ name: 'c', ...spec }, image, env), want, JSON.stringify(spec));
  assert.throws(() => containerArgs({ name: 'c' }, {}, env), /no command specified/);
});
