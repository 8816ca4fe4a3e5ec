/**
 * Applies the security policy of security-policy.ts to Electron: serves the built renderer from
 * `app://leakbar/` with the CSP header, adds the CSP to the dev server's pages, denies permission
 * requests (but clipboard writes from our pages), refuses navigation away from our pages and every new window (http(s) links open in the
 * browser after validation), and never attaches a <webview>.
 */
import { readFile } from 'node:fs/promises';
import { app, protocol, session, shell } from 'electron';
import { APP_SCHEME, contentSecurityPolicy, isOwnUrl, isSafeExternalUrl, permissionAllowed, resolveAppFile, securityHeaders } from './security-policy.js';

/** Must run before `app.whenReady()`: makes `app://` a standard, secure scheme so 'self', fetch and storage work as on https. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

/** What {@link setupSecurity} needs. */
export interface SecurityOptions {
  /** The built renderer folder (out/renderer), served as app://leakbar/. */
  rendererDir: string;
  /** `process.env.ELECTRON_RENDERER_URL`'s origin while developing, else undefined. */
  devServerOrigin: string | undefined;
  /** Origins whose pages are ours. */
  ownOrigins: readonly string[];
}

/** Installs the handlers; call once after `app.whenReady()`. */
export function setupSecurity(options: SecurityOptions): void {
  const csp = contentSecurityPolicy(options.devServerOrigin ? { devServerOrigin: options.devServerOrigin } : {});

  protocol.handle(APP_SCHEME, async (request) => {
    const file = resolveAppFile(request.url, options.rendererDir);
    if (!file) return new Response('not found', { status: 404 });
    try {
      return new Response(await readFile(file), { status: 200, headers: securityHeaders(csp, file) });
    } catch {
      return new Response('not found', { status: 404 });
    }
  });

  if (options.devServerOrigin) {
    session.defaultSession.webRequest.onHeadersReceived({ urls: [`${options.devServerOrigin}/*`] }, (details, callback) => {
      callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp] } });
    });
  }

  // The renderer needs no camera, microphone, geolocation or notification permission (notifications come from main).
  session.defaultSession.setPermissionRequestHandler((_contents, permission, callback, details) => callback(permissionAllowed(permission, details.requestingUrl, options.ownOrigins)));
  session.defaultSession.setPermissionCheckHandler((_contents, permission, requestingOrigin) => permissionAllowed(permission, requestingOrigin, options.ownOrigins));

  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isOwnUrl(url, options.ownOrigins)) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!isOwnUrl(url, options.ownOrigins)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      if (isSafeExternalUrl(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
  });
}
