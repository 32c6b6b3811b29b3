/**
 * The origin a KEYRA ONE writes into `clientDataJSON`. A KEYRA ONE is not a browser and serves no
 * web page, so, like Android apps (`android:apk-key-hash:…`), it uses a fixed non-web origin.
 * The server accepts it, next to its configured web origins, for device credentials only.
 */
export const KEYRA_ONE_ORIGIN = 'keyra-one://device';

/** The AAGUID of the simulated KEYRA ONE model (a fixed random UUID, version 4). */
export const KEYRA_ONE_SIMULATOR_AAGUID = '5eb6de83-4471-405e-8286-94940cc5914d';
