// Smoke test of the preload, run by deploy/anything-llm/Dockerfile and by test/stack:
//   node --require <register.js> server/index.js
// Exits 0 only when the preload activated in this (server-shaped) process and wrapped the
// provider loaded below; 1 when it loaded nothing, stayed inactive or wrapped nothing.
const registration = globalThis[Symbol.for("statsd-bridge.emitter.registration")];
require("./utils/AiProviders/openAi");
const wrapped = registration?.emitter?.hookStates?.().llm?.targets ?? 0;
if (!registration?.active || wrapped < 1) {
  process.stderr.write(`preload smoke test failed: ${registration ? registration.reason : "preload not loaded"}, llm targets wrapped: ${wrapped}\n`);
  process.exit(1);
}
process.stdout.write(`preload smoke test: active (${registration.reason}), llm targets wrapped: ${wrapped}\n`);
registration.emitter.close().then(() => process.exit(0));
