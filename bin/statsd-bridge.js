#!/usr/bin/env node
'use strict';
// V8 grows the old generation by 50% between full collections here, instead of by up to 4x after
// an allocation burst (such as thousands of new series at once): the daemon then keeps far less
// garbage resident (docs/benchmarks.md, memory per series). STATSD_BRIDGE_V8_FLAGS replaces
// these flags ('' for V8's defaults).
const v8Flags = process.env.STATSD_BRIDGE_V8_FLAGS ?? '--heap-growing-percent=50';
if (v8Flags !== '') require('node:v8').setFlagsFromString(v8Flags);
require('../dist/cli/main.js').main(process.argv.slice(2));
