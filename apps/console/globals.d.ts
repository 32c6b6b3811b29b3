// What the console's scripts find on `window`: the @simplewebauthn/browser UMD bundle, loaded by
// a classic script (/console/vendor/simplewebauthn-browser.js) before the modules run.
import type * as SimpleWebAuthnBrowser from '@simplewebauthn/browser';

declare global {
  interface Window {
    SimpleWebAuthnBrowser?: typeof SimpleWebAuthnBrowser;
  }
}
