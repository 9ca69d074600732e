'use strict';
// Linting never reads or writes credentials; if anything tries, say so instead of pretending.
const refuse = () => Promise.reject(new Error('keytar is stubbed in SLA Desk: no OS keychain (only @forge/lint uses @forge/cli-shared here, and it never logs in)'));
module.exports = { getPassword: refuse, setPassword: refuse, deletePassword: refuse, findPassword: refuse, findCredentials: refuse };
