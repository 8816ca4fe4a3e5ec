/** The live stream's state in a header or footer: "live", "connecting", "reconnecting", or "token needed". */
import type { StreamState } from '../api/http-client.js';

const LABEL: Record<StreamState, string> = { open: 'live', connecting: 'connecting', reconnecting: 'reconnecting', unauthorized: 'token needed' };

/** The badge; `data-state` is the raw state. */
export function StreamBadge({ stream }: { stream: StreamState }) {
  return (
    <span className={`stream stream-${stream}`} title="Live updates" data-testid="stream" data-state={stream}>
      {LABEL[stream]}
    </span>
  );
}
