'use strict';
// Prints one closing line that CI and humans can read: "<label>: N passed, M failed".
// The label is "conformance" when only test/conformance ran, else "tests".
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const files = results.testResults.map((r) => r.testFilePath);
    const onlyConformance = files.length > 0 && files.every((f) => /[\\/]test[\\/]conformance[\\/]/.test(f));
    const label = onlyConformance ? 'conformance' : 'tests';
    const failedSuites = results.numFailedTestSuites + results.numRuntimeErrorTestSuites;
    const failed = results.numFailedTests + (failedSuites > 0 && results.numFailedTests === 0 ? failedSuites : 0);
    const line = `\n${label}: ${results.numPassedTests} passed, ${failed} failed\n`;
    // Printed at exit so it comes after jest's own summary: the run's last line.
    process.once('exit', () => process.stderr.write(line));
  }
}
module.exports = SummaryReporter;
