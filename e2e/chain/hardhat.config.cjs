// The local EVM chain of the on-chain stamp tests (Hardhat 2's `hardhat node`). Nothing is compiled:
// the EAS contracts are deployed from the artifacts shipped in @ethereum-attestation-service/eas-contracts.
const path = require('node:path');

const work = process.env.KEYRA_HARDHAT_WORKDIR || path.join(__dirname, '.hardhat');

module.exports = {
  networks: { hardhat: { chainId: 31337 } },
  paths: {
    sources: path.join(work, 'contracts'),
    cache: path.join(work, 'cache'),
    artifacts: path.join(work, 'artifacts'),
  },
};
