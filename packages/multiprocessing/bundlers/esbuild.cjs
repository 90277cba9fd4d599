// The sabkitWorkers() esbuild plugin, from '@sabkit/multiprocessing/esbuild' too (an app that
// depends on multiprocessing alone cannot import '@sabkit/piscina/esbuild' under a strict
// node_modules): the same function. docs/runtimes.md.
'use strict';
module.exports = require('@sabkit/piscina/esbuild');
