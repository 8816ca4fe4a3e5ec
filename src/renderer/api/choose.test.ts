import { describe, expect, it } from 'vitest';
import { takeToken, type PageLike } from './choose.js';
import { captureFileHref, captureFilePath } from './http-client.js';

function page(href: string, stored: string | null = null): PageLike & { replaced: string[]; store: Map<string, string> } {
  const store = new Map<string, string>(stored ? [['leakbar-token', stored]] : []);
  const replaced: string[] = [];
  return {
    replaced,
    store,
    location: { href, origin: new URL(href).origin },
    history: { state: null, replaceState: (_s: unknown, _t: string, url?: string | URL | null) => void replaced.push(String(url)) },
    sessionStorage: { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => void store.set(k, v) },
  };
}

describe('the token', () => {
  it('is taken from the printed URL, kept for the tab, and removed from the address bar', () => {
    const p = page('http://127.0.0.1:7070/?token=abc_-123#/popover');
    expect(takeToken(p)).toBe('abc_-123');
    expect(p.store.get('leakbar-token')).toBe('abc_-123');
    expect(p.replaced).toEqual(['/#/popover']);
  });

  it('comes from the tab’s storage after a reload', () => {
    expect(takeToken(page('http://127.0.0.1:7070/#/inspector', 'kept'))).toBe('kept');
    expect(takeToken(page('http://127.0.0.1:7070/#/inspector'))).toBeNull();
  });
});

describe('a capture file link', () => {
  it('is a path of this origin that carries the token in its query, each part encoded', () => {
    expect(captureFilePath('c1', 'heap.pb.gz')).toBe('/api/captures/c1/files/heap.pb.gz');
    expect(captureFileHref('c 1', 'a/b.pb.gz', 'to+k/=n')).toBe('/api/captures/c%201/files/a%2Fb.pb.gz?token=to%2Bk%2F%3Dn');
  });
});
