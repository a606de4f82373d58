#!/usr/bin/env node
'use strict';
// First thing: a SIGUSR1 listener. Without one, Node opens its inspector on SIGUSR1 and anyone on
// loopback can run code as the bridge (docs/security.md, signals). Node 20 has no flag for this
// (--disable-sigusr1 is Node >= 22.14); a listener replaces the inspector's handler. The daemon
// logs the signal (src/cli/signals.ts); this one only closes the window until it is installed.
process.on('SIGUSR1', () => {});
// V8 grows the old generation by 50% between full collections here, instead of by up to 4x after
// an allocation burst (such as thousands of new series at once): the daemon then keeps far less
// garbage resident (docs/benchmarks.md, memory per series). STATSD_BRIDGE_V8_FLAGS replaces
// these flags ('' for V8's defaults).
const v8Flags = process.env.STATSD_BRIDGE_V8_FLAGS ?? '--heap-growing-percent=50';
if (v8Flags !== '') require('node:v8').setFlagsFromString(v8Flags);
require('../dist/cli/main.js').main(process.argv.slice(2));
