/** How the pages title a capture of each kind. */
import { CAPTURE_KIND_TITLES, type CaptureKind } from '../shared/captures.js';

/**
 * A capture kind's title on the pages (the inspector's heading, the capture's facts, an exported view, the capture
 * buttons' results): the shared titles, with a bundle called a bundle as `leakbar capture bundle` and
 * `leakbar captures` call it ("Bundle (everything)", not "Everything" alone).
 */
export function captureKindTitle(kind: CaptureKind): string {
  return kind === 'bundle' ? 'Bundle (everything)' : CAPTURE_KIND_TITLES[kind];
}
