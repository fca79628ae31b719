// ONNX Runtime check of Retort's ONNX export: for each case, `retort-cli export --check-dump`
// writes the model, the check input and libtorch's output on it; ONNX Runtime (onnxruntime-node)
// runs the model and the outputs are compared. Exit 0 passed, 1 failed, 77 skipped (no npm,
// no network, no reference data), for ctest's SKIP_RETURN_CODE.
//
//   node tests/onnx/ort_check.mjs --cli build/app/retort-cli --weights W.safetensors \
//        --image bus.jpg --work build/onnx-check --modules build/onnx-node
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SKIP = 77;
const here = path.dirname(fileURLToPath(import.meta.url));

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i += 2) out[argv[i].replace(/^--/, '')] = argv[i + 1];
  return out;
}

/// Loads onnxruntime-node from <modules>/node_modules, installing the pinned version when absent.
export function loadOrt(modules) {
  const pkgDir = path.resolve(modules, 'node_modules', 'onnxruntime-node');
  if (!existsSync(pkgDir)) {
    const version = JSON.parse(readFileSync(path.join(here, 'package.json'), 'utf8')).dependencies['onnxruntime-node'];
    console.log(`installing onnxruntime-node ${version} into ${modules} (npm)`);
    mkdirSync(modules, { recursive: true });
    try {
      execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefix', modules, `onnxruntime-node@${version}`], {
        stdio: 'inherit', env: { ...process.env, ONNXRUNTIME_NODE_INSTALL_CUDA: 'skip' }, timeout: 300000,
      });
    } catch (e) {
      console.log(`SKIP: cannot install onnxruntime-node with npm (${e.code ?? e.status ?? e.message}); no npm or no network`);
      process.exit(SKIP);
    }
  }
  return createRequire(import.meta.url)(pkgDir);
}

// IEEE half <-> single, for --half models (ORT takes float16 data as Uint16Array).
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
function toHalf(v) {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  let exp = ((x >>> 23) & 0xff) - 127 + 15;
  let mant = x & 0x7fffff;
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - exp;
    let h = mant >>> shift;
    if ((mant >>> (shift - 1)) & 1 && ((mant & ((1 << (shift - 1)) - 1)) || h & 1)) h += 1;
    return sign | h;
  }
  if (exp >= 31) return sign | 0x7c00;
  let h = sign | (exp << 10) | (mant >>> 13);
  if ((mant & 0x1000) && ((mant & 0x2fff) || (h & 1))) h += 1; // round half to even
  return h;
}
function fromHalf(h) {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

function readFloats(file) {
  const b = readFileSync(file);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
}

/// Max |diff| of (B, 4+nc, N) outputs: box rows 0-3, score rows after.
export function compare(got, want, shape) {
  const [b, rows, n] = shape;
  let box = 0, score = 0;
  for (let i = 0; i < b; ++i)
    for (let r = 0; r < rows; ++r)
      for (let a = 0; a < n; ++a) {
        const k = (i * rows + r) * n + a;
        const d = Math.abs(got[k] - want[k]);
        if (r < 4) box = Math.max(box, d); else score = Math.max(score, d);
      }
  return { box, score };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  for (const f of ['weights', 'image'])
    if (!args[f] || !existsSync(args[f])) {
      console.log(`SKIP: ${f} ${args[f] ?? '(not given)'} not found (reference data absent)`);
      process.exit(SKIP);
    }
  const ort = loadOrt(args.modules);
  mkdirSync(args.work, { recursive: true });
  const cases = [
    { name: 'fixed-opset12-b1', flags: ['--opset', '12'] },
    { name: 'fixed-opset17-b1', flags: ['--opset', '17'] },
    { name: 'fixed-opset12-b3', flags: ['--opset', '12', '--batch', '3'] },
    { name: 'fixed-opset17-b3-480x640', flags: ['--opset', '17', '--batch', '3', '--imgsz', '480', '640'] },
    { name: 'dynamic-opset12-b3-320x480', flags: ['--opset', '12', '--dynamic', '--batch', '3', '--imgsz', '320', '480'] },
    { name: 'dynamic-opset17-b1-640', flags: ['--opset', '17', '--dynamic'] },
    { name: 'half-opset12-b1', flags: ['--opset', '12', '--half'], half: true },
    { name: 'half-dynamic-opset17-b3-320', flags: ['--opset', '17', '--half', '--dynamic', '--batch', '3', '--imgsz', '320'], half: true },
  ];
  let failed = 0;
  for (const c of cases) {
    const dump = path.join(args.work, c.name);
    const onnx = `${dump}.onnx`;
    execFileSync(args.cli, ['export', '--model', args.weights, '--out', onnx, '--check-dump', dump,
      '--check-image', args.image, ...c.flags], { stdio: ['ignore', 'ignore', 'inherit'] });
    const check = JSON.parse(readFileSync(path.join(dump, 'check.json'), 'utf8'));
    const input = readFloats(path.join(dump, check.input));
    const want = readFloats(path.join(dump, check.expected));
    const session = await ort.InferenceSession.create(onnx);
    const feed = c.half ? new ort.Tensor('float16', Uint16Array.from(input, toHalf), check.input_shape)
                        : new ort.Tensor('float32', input, check.input_shape);
    const result = (await session.run({ images: feed })).output0;
    const got = c.half ? Float32Array.from(result.data, fromHalf) : result.data;
    const shapeOk = JSON.stringify(result.dims) === JSON.stringify(check.output_shape);
    const d = compare(got, want, check.output_shape);
    // FP16 keeps ~3 significant digits through 22 layers: boxes within 1% of the input side.
    const side = Math.max(check.input_shape[2], check.input_shape[3]);
    const tol = c.half ? { box: 0.01 * side, score: 1e-2 } : { box: 1e-2, score: 1e-4 };
    const ok = shapeOk && d.box <= tol.box && d.score <= tol.score;
    failed += ok ? 0 : 1;
    console.log(`${ok ? 'PASS' : 'FAIL'} ${c.name}: output0 ${result.dims.join('x')}${shapeOk ? '' : ` (expected ${check.output_shape.join('x')})`}, ` +
      `max |diff| vs libtorch boxes ${d.box.toExponential(2)} px (<= ${tol.box}), scores ${d.score.toExponential(2)} (<= ${tol.score})`);
  }
  console.log(failed ? `${failed} of ${cases.length} cases failed` : `all ${cases.length} cases passed (onnxruntime-node ${ort.env.versions?.common ?? ''})`);
  process.exit(failed ? 1 : 0);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) main();
