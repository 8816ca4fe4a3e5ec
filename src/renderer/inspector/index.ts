/** The capture inspector: top table, flame graph, diff, goroutines, file descriptors and memory map of one capture. */
export { CaptureInspector, availableViews, baseCandidates, defaultView } from './CaptureInspector.js';
export { parseInspectorState, formatInspectorState, INSPECTOR_VIEWS, type InspectorState, type InspectorView } from './state.js';
