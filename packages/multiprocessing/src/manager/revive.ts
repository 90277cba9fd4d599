// Registers the proxy kinds for revive(), and nothing else: what a Process or Pool worker needs
// to use a manager proxy it receives, without loading the manager's server and network code.
import './proxies.js';
import './sync-proxies.js';
import './manager-errors.js';
