/** The renderer's root: the route decides between the popover, the inspector and the settings. */
import { useEffect } from 'react';
import { useRoute } from '../hooks/useRoute.js';
import { routeForNavigate } from '../route.js';
import { Inspector } from './Inspector.js';
import { Popover } from './Popover.js';
import { Settings } from './Settings.js';

/** The app. */
export function App() {
  const [route, go] = useRoute();
  // On the desktop, the main process may send this window somewhere (a clicked notification, a tray item).
  useEffect(() => window.leakbarDesktop?.onNavigate((request) => go(routeForNavigate(request))), [go]);
  useEffect(() => {
    document.body.dataset.view = route.view === 'popover' ? 'popover' : 'inspector';
  }, [route.view]);
  if (route.view === 'popover') return <Popover route={route} go={go} />;
  if (route.view === 'settings') return <Settings />;
  return <Inspector route={route} go={go} />;
}
