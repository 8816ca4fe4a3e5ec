import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dataDirChoice, dataDirHint, makeFolder } from './data-dir.js';

const dir = mkdtempSync(join(tmpdir(), 'leakbar-data-dir-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('makeFolder', () => {
  it('makes the folder and the folders above it, and is content with one already there', async () => {
    const path = join(dir, 'a', 'b', 'c');
    await makeFolder(path, 'create it');
    await makeFolder(path, 'create it');
    expect(statSync(path).isDirectory()).toBe(true);
  });

  it('names the file in the way when a folder above is a file (Node says ENOTDIR, naming the deepest path)', async () => {
    const file = join(dir, 'afile');
    writeFileSync(file, 'not a folder');
    await expect(makeFolder(join(file, 'sub', 'captures'), 'create the capture store')).rejects.toMatchObject({
      code: 'io-error',
      message: `cannot create the capture store: ${file} is a file, not a folder`,
      hint: 'give a writable folder with --data-dir or LEAKBAR_DATA_DIR',
    });
  });

  it('names the file when the folder itself is one (Node says EEXIST)', async () => {
    const file = join(dir, 'another-file');
    writeFileSync(file, 'not a folder');
    await expect(makeFolder(file, 'use it')).rejects.toMatchObject({ message: `cannot use it: ${file} is a file, not a folder` });
  });
});

describe('the option a hint names for another data folder', () => {
  it('is --data-dir (or the variable) on the command line, and only the variable in the desktop app, which has no options', () => {
    expect(dataDirChoice({ node: '20.0.0' } as NodeJS.ProcessVersions)).toBe('--data-dir or LEAKBAR_DATA_DIR');
    expect(dataDirChoice({ node: '20.0.0', electron: '33.0.0' } as NodeJS.ProcessVersions)).toBe('LEAKBAR_DATA_DIR');
    expect(dataDirHint({ node: '20.0.0', electron: '33.0.0' } as NodeJS.ProcessVersions)).toBe('give a writable folder with LEAKBAR_DATA_DIR');
  });
});
