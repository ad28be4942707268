import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../types';
import { etcHosts, resolvConf } from './sandbox-files';

const pod = (spec: Record<string, unknown> = {}): Pod => ({ metadata: { name: 'web-0', namespace: 'ns' }, spec: { containers: [], ...spec } });

test('etcHosts: kubelet layout, subdomain FQDN, host aliases', () => {
  const h = etcHosts(pod(), '10.244.0.5');
  assert.match(h, /^# Kubernetes-managed hosts file\.\n127\.0\.0\.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n/);
  assert.ok(h.endsWith('fe00::2\tip6-allrouters\n10.244.0.5\tweb-0\n'));
  assert.ok(etcHosts(pod({ hostname: 'h', subdomain: 's' }), '10.0.0.1').includes('10.0.0.1\th.s.ns.svc.cluster.local\th\n'));
  assert.ok(etcHosts(pod({ hostAliases: [{ ip: '1.2.3.4', hostnames: ['a', 'b'] }] }), '10.0.0.1').endsWith('\n# Entries added by HostAliases.\n1.2.3.4\ta\tb\n'));
});

test('resolvConf: host servers minus loopback; dnsConfig merged; None uses only dnsConfig', () => {
  const host = 'nameserver 127.0.0.53\nnameserver 10.0.0.2\nsearch corp.example\noptions edns0 trust-ad\n';
  const cases: [Record<string, unknown>, string][] = [
    [{}, 'search corp.example\nnameserver 10.0.0.2\noptions edns0 trust-ad\n'],
    [{ dnsConfig: { nameservers: ['1.1.1.1'], options: [{ name: 'ndots', value: '2' }] } }, 'search corp.example\nnameserver 10.0.0.2\nnameserver 1.1.1.1\noptions edns0 trust-ad ndots:2\n'],
    [{ dnsPolicy: 'None', dnsConfig: { nameservers: ['9.9.9.9'] } }, 'nameserver 9.9.9.9\n'],
  ];
  for (const [spec, want] of cases) assert.equal(resolvConf(pod(spec), host), want, JSON.stringify(spec));
  assert.equal(resolvConf(pod(), 'nameserver 127.0.0.1\n'), '');
});
