// A TCP relay: `node forwardPort.mjs LISTEN_HOST LISTEN_PORT TARGET_HOST TARGET_PORT`. The topology
// runs one in each instance's network namespace so a webhook URL on loopback (allowed by `--dev`,
// unlike private addresses) crosses the namespace's real link to the receiver in the test runner.
import net from 'node:net';

const [listenHost, listenPort, targetHost, targetPort] = process.argv.slice(2);
const server = net.createServer((inbound) => {
  const outbound = net.connect({ host: targetHost, port: Number(targetPort) });
  inbound.pipe(outbound).pipe(inbound);
  inbound.on('error', () => outbound.destroy());
  outbound.on('error', () => inbound.destroy());
});
server.listen(Number(listenPort), listenHost, () => console.log('forwarding'));
