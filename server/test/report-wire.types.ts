// Type-only, checked by `npm run typecheck` (tsconfig.test.json): the device's report and the
// server's parsed report are one wire shape written in two packages (the server package cannot
// import the library's sources). Either side changing alone fails the type check here.
import type { ReportBody } from '../../src/monitoring/monitor.js';
import type { DeviceReport } from '../src/monitoring/report.js';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const reportShapesMatch: Same<ReportBody, DeviceReport> = true;
