// Preload (`node --require ./clock-skew.js`) that runs the process on a skewed wall clock:
// Date.now() and `new Date()` are shifted by WSDIAG_CLOCK_OFFSET_MS milliseconds. It stands in for a host
// whose NTP drifted, so the logs of one source are consistently off by a known amount.
"use strict";
const offset = Number(process.env.WSDIAG_CLOCK_OFFSET_MS || 0);
if (offset) {
  const RealDate = Date;
  class SkewedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(RealDate.now() + offset);
      else super(...args);
    }
    static now() {
      return RealDate.now() + offset;
    }
  }
  globalThis.Date = SkewedDate;
}
