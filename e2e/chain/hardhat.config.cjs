// The local EVM chain of the on-chain stamp tests (Hardhat 2's `hardhat node`). Nothing is compiled:
// the EAS contracts are deployed from the artifacts shipped in @ethereum-attestation-service/eas-contracts.
const work = process.env.KEYRA_HARDHAT_WORKDIR || `${__dirname}/.hardhat`;

module.exports = {
  networks: { hardhat: { chainId: 31337 } },
  paths: {
    sources: `${work}/contracts`,
    cache: `${work}/cache`,
    artifacts: `${work}/artifacts`,
  },
};
