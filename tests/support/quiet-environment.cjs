'use strict';
/**
 * Jest's node environment, with the functions' JSON log and metric lines (Powertools Logger and
 * Metrics write them to stdout and stderr) held back during each test: dropped when the test
 * passes, printed under the test's name when it fails, so a passing run shows no EMF JSON and no
 * ERROR lines from code that is meant to fail, and a failing one shows all of it.
 * Tests that capture those lines (jest.spyOn(process.stdout, 'write')) still get them: their spy
 * replaces this filter while it is installed. Other output passes through untouched.
 */
const { TestEnvironment } = require('jest-environment-node');

/** A Powertools log line (`level` + `message`/`timestamp`) or an EMF metrics line (`_aws`). */
function isFunctionJsonLine(text) {
  return /^\{.*("_aws"|"level")/.test(text.trimStart());
}

class QuietEnvironment extends TestEnvironment {
  held = [];
  restore = [];

  async setup() {
    await super.setup();
    for (const stream of [process.stdout, process.stderr]) {
      const write = stream.write;
      stream.write = (chunk, ...rest) => {
        const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
        if (!isFunctionJsonLine(text)) return write.call(stream, chunk, ...rest);
        this.held.push(text);
        const callback = rest.find((arg) => typeof arg === 'function');
        if (callback) process.nextTick(callback);
        return true;
      };
      this.restore.push(() => {
        stream.write = write;
      });
    }
  }

  async teardown() {
    for (const restore of this.restore.splice(0)) restore();
    await super.teardown();
  }

  handleTestEvent(event) {
    const failedTest = event.name === 'test_done' && event.test.errors.length > 0;
    if (failedTest || event.name === 'hook_failure') {
      const where = event.test ? event.test.name : `${event.hook.type} hook`;
      const lines = this.held.splice(0);
      if (lines.length > 0) {
        process.stderr.write(`\n[held log and metric lines of "${where}"]\n${lines.join('')}\n`);
      }
    } else if (event.name === 'test_done' || event.name === 'run_finish') {
      this.held.length = 0;
    }
  }
}

module.exports = QuietEnvironment;
