/** The renderer's entry: picks the API door (preload bridge or HTTP), then mounts the app. */
// First, before any module that builds a schema: zod told not to compile validators.
import './zod-jitless.js';
import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiProvider, type ApiContextValue } from './api/context.js';
import { chooseApi } from './api/choose.js';
import type { StreamState } from './api/http-client.js';
import { App } from './views/App.js';
import './styles.css';

type StreamListener = (s: StreamState | 'resync') => void;
let streamListener: StreamListener = () => undefined;
const choice = chooseApi(window, (s) => streamListener(s));

function Root() {
  const [stream, setStream] = useState<StreamState>(choice.ok && choice.door === 'desktop' ? 'open' : 'connecting');
  const [epoch, setEpoch] = useState(0);
  useEffect(() => {
    // A reconnect replays what was missed (Last-Event-ID); only a gap the server could not fill needs a refetch.
    streamListener = (s) => (s === 'resync' ? setEpoch((e) => e + 1) : setStream(s));
  }, []);
  if (!choice.ok) return <p className="fatal">{choice.reason}</p>;
  const value: ApiContextValue = { api: choice.api, door: choice.door, stream, epoch };
  return (
    <ApiProvider value={value}>
      {stream === 'unauthorized' ? (
        <p className="token-banner" role="alert" data-testid="token-needed">
          This leakbar page needs its token: open the URL <code>leakbar serve</code> printed (it changes each time serve starts).
        </p>
      ) : null}
      <App />
    </ApiProvider>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Root />
  </StrictMode>,
);
