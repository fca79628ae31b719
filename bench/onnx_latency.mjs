// ONNX Runtime latency of an exported model: median wall time of N session.run calls on a fixed
// random input (after warm-up), plus the file size.
//
//   retort-cli export --model yolov8n.safetensors --out build/yolov8n.onnx
//   node bench/onnx_latency.mjs --model build/yolov8n.onnx --modules build/onnx-node [--imgsz 640] [--runs 50] [--threads 0]
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadOrt } from '../tests/onnx/ort_check.mjs';

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const model = args.model;
const imgsz = Number(args.imgsz ?? 640);
const runs = Number(args.runs ?? 50);
const threads = Number(args.threads ?? 0); // 0: ONNX Runtime's default (all cores)
const ort = loadOrt(args.modules ?? path.join('build', 'onnx-node'));

const options = threads > 0 ? { intraOpNumThreads: threads } : {};
const session = await ort.InferenceSession.create(model, options);
const input = new Float32Array(3 * imgsz * imgsz);
let seed = 1;
for (let i = 0; i < input.length; ++i) input[i] = ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const feed = { images: new ort.Tensor('float32', input, [1, 3, imgsz, imgsz]) };
for (let i = 0; i < 5; ++i) await session.run(feed);
const times = [];
for (let i = 0; i < runs; ++i) {
  const t0 = performance.now();
  await session.run(feed);
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
const result = {
  model: path.basename(model), bytes: statSync(model).size, imgsz, runs, threads: threads || 'default',
  median_ms: +median.toFixed(2), min_ms: +times[0].toFixed(2), max_ms: +times[times.length - 1].toFixed(2),
  onnxruntime_node: JSON.parse(readFileSync(path.join(path.dirname(new URL(import.meta.url).pathname), '../tests/onnx/package.json'))).dependencies['onnxruntime-node'],
};
console.log(JSON.stringify(result));
