import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatEntry, parseCriLine, parseLogQuery } from './logs';

describe('CRI log lines', () => {
  const cases: [string, ReturnType<typeof parseCriLine>][] = [
    ['2024-01-02T03:04:05.123456789Z stdout F hello world', { time: '2024-01-02T03:04:05.123456789Z', ms: Date.parse('2024-01-02T03:04:05.123Z'), stream: 'stdout', partial: false, content: 'hello world' }],
    ['2024-01-02T03:04:05.1Z stderr P part', { time: '2024-01-02T03:04:05.1Z', ms: Date.parse('2024-01-02T03:04:05.100Z'), stream: 'stderr', partial: true, content: 'part' }],
    ['2024-01-02T03:04:05Z stdout F', { time: '2024-01-02T03:04:05Z', ms: Date.parse('2024-01-02T03:04:05Z'), stream: 'stdout', partial: false, content: '' }],
    ['2024-01-02T03:04:05Z stdout F:x  two spaces', { time: '2024-01-02T03:04:05Z', ms: Date.parse('2024-01-02T03:04:05Z'), stream: 'stdout', partial: false, content: ' two spaces' }],
    ['garbage', undefined],
    ['2024-01-02T03:04:05Z stdin F x', undefined],
    ['notatime stdout F x', undefined],
  ];
  for (const [line, want] of cases) it(JSON.stringify(line), () => assert.deepEqual(parseCriLine(line), want));

  it('formats full and partial entries, with timestamps on request', () => {
    const e = parseCriLine('2024-01-02T03:04:05Z stdout P a');
    assert.ok(e);
    assert.equal(formatEntry(e, false), 'a');
    assert.equal(formatEntry({ ...e, partial: false }, true), '2024-01-02T03:04:05Z a\n');
  });
});

describe('parseLogQuery', () => {
  const now = new Date('2024-01-02T03:04:05Z');
  it('reads every option', () => {
    assert.deepEqual(parseLogQuery(new URLSearchParams('follow=true&previous=1&timestamps=true&tailLines=5&limitBytes=10&sinceSeconds=60'), now), {
      follow: true, previous: true, timestamps: true, tailLines: 5, limitBytes: 10, since: new Date('2024-01-02T03:03:05Z'),
    });
    assert.deepEqual(parseLogQuery(new URLSearchParams('sinceTime=2024-01-01T00:00:00Z'), now).since, new Date('2024-01-01T00:00:00Z'));
  });
  const bad: [string, RegExp][] = [
    ['tailLines=-1', /tailLines "-1" must be an integer of at least 0/],
    ['limitBytes=0', /limitBytes "0" must be an integer of at least 1/],
    ['sinceSeconds=1&sinceTime=2024-01-01T00:00:00Z', /only one/],
    ['sinceTime=yesterday', /not an RFC 3339 time/],
  ];
  for (const [q, re] of bad) it(`refuses ${q}`, () => assert.throws(() => parseLogQuery(new URLSearchParams(q), now), re));
});
