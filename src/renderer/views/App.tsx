/** The renderer's root: the route decides between the popover, the inspector and the settings. */
import { useEffect } from 'react';
import { useRoute } from '../hooks/useRoute.js';
import { Inspector } from './Inspector.js';
import { Popover } from './Popover.js';
import { Settings } from './Settings.js';

/** The app. */
export function App() {
  const [route, go] = useRoute();
  useEffect(() => {
    document.body.dataset.view = route.view === 'popover' ? 'popover' : 'inspector';
  }, [route.view]);
  if (route.view === 'popover') return <Popover route={route} go={go} />;
  if (route.view === 'settings') return <Settings />;
  return <Inspector route={route} go={go} />;
}
