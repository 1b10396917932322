// Stand-ins put in Node's module cache before cdktf loads: imported first by src/app.ts, and
// by the bin commands whose other modules load cdktf sooner. Each file says why.
import './fast-stable-json';
import './lazy-archiver';
import './lazy-stack-traces';
