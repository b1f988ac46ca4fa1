// The WebAssembly SIMD kernel (assembly/gemm.ts, embedded as base64) behind the MatMulKernel
// interface: gemm (with a fused bias + relu epilogue), im2col, col2im, relu's backward, the bias
// gradient and max pooling, plus an allocator that places the engine's float32 buffers
// (weights, gradients, activations, scratch) in the module's memory, so the hot path hands the module
// pointers instead of copying. An operand that lives elsewhere (a caller's array) is copied into a
// staging area and back. Products with fewer than 4 rows (batch-1 inference, where packing would cost
// more than it saves) run gemv, bit-identical to the packed product; float64 work (gradient checks) and
// few-row products with B transposed go to the TypeScript reference. The choice depends only on types
// and shapes, so runs stay deterministic.
//
// The memory is shared (a SharedArrayBuffer) only because views of a shared memory stay valid when it
// grows; nothing here uses threads. Freed buffers are found with a FinalizationRegistry and reused;
// the memory itself never shrinks (WebAssembly memories cannot).

import type { Float } from '../tensor.js';
import { typescriptKernel } from './gemm.js';
import { GEMM_RELAXED_WASM_BASE64, GEMM_WASM_BASE64 } from './gemm-wasm-module.js';
import { col2im, im2col } from './im2col.js';
import type { MatMulKernel } from './matmul-kernel.js';
import type { Window2d } from './window2d.js';

/** The slice of the global WebAssembly API used here (the engine compiles without DOM or Node types). */
interface WasmMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

type WindowArgs = [batch: number, inH: number, inW: number, channels: number, kH: number, kW: number,
  strideH: number, strideW: number, padTop: number, padLeft: number, outH: number, outW: number];

interface KernelExports {
  /** The module's depth block (an exported global). */
  readonly KC: { readonly value: number };
  scratchBytes(): number;
  gemm(
    transA: number, transB: number, m: number, n: number, k: number,
    a: number, lda: number, b: number, ldb: number, c: number, ldc: number,
    accumulate: number, scratch: number, bias: number, y: number,
  ): void;
  gemv(transA: number, m: number, n: number, k: number, a: number, lda: number, b: number, ldb: number, c: number, ldc: number, accumulate: number): void;
  im2col(x: number, ...rest: [...WindowArgs, number]): void;
  col2im(dcols: number, ...rest: [...WindowArgs, number]): void;
  biasRelu(z: number, bias: number, rows: number, width: number, y: number): void;
  reluBackward(dy: number, z: number, dz: number, length: number): void;
  sumRows(x: number, out: number, rows: number, width: number): void;
  maxPool(x: number, ...rest: [...WindowArgs, number]): void;
  im2colTransposed(x: number, batch: number, inH: number, inW: number, kH: number, kW: number, strideH: number, strideW: number,
    padTop: number, padLeft: number, outH: number, outW: number, cols: number, ld: number): void;
  maxPoolBackward(x: number, grad: number, ...rest: [...WindowArgs, number]): void;
}

/**
 * Products with fewer rows than one micro-kernel tile (batch-1 inference) skip B's packing: gemv when B
 * is stored k x n (dense forward), the reference otherwise (rare: training batches under 4 samples).
 */
const MIN_ROWS = 4;
/** Bytes at the bottom of memory left to the module (it has no data segments or stack). */
const RESERVED = 1024;
const PAGE = 65536;
/** The most a WebAssembly memory can hold (4 GiB). */
const MAX_PAGES = 65536;
/**
 * Past this much WebAssembly memory, new buffers go to the JS heap (correct and bit-identical, only
 * slower: operands are copied in, block by block when even staging space cannot be had). Freed buffers return to the free lists only when the garbage collector finds their
 * arrays unreachable, and views of WebAssembly memory weigh nothing on the JS heap, so a thread that
 * builds model after model would seldom collect and the memory would only grow. Buffers on the JS heap
 * do count, so past the cap collections come, the free lists refill, and new buffers move back in.
 */
const SOFT_CAP_PAGES = 8192; // 512 MiB
/** The cap in force (tests lower it to reproduce a full memory without filling 512 MiB). */
let softCapBytes = SOFT_CAP_PAGES * PAGE;

/**
 * Blocks of the tiled gemm (operands that cannot be staged whole): a MC x KC block of op(A), a KC x NC
 * block of op(B) and a MC x NC block of C, in a staging area claimed once when the module starts, so
 * the WebAssembly product always runs and results never depend on where buffers live. TILE_DEPTH is the
 * module's own depth block (KC): k is cut where the module cuts it, so every element of C sums the same
 * products in the same order, with the same partial sums added to C, as the untiled call.
 */
const TILE_ROWS = 128;
const TILE_COLS = 128;
const TILE_DEPTH = 256;
const TILE_FLOATS = TILE_ROWS * TILE_DEPTH + TILE_DEPTH * TILE_COLS + TILE_ROWS * TILE_COLS;

/** A memory block: its address and its rounded size (the free-list key). */
interface Block {
  at: number;
  bytes: number;
}

class WasmRuntime {
  readonly exports: KernelExports;
  /** The relaxed-SIMD build on the same memory, where this runtime accepts it (else null). */
  readonly relaxed: KernelExports | null;
  private readonly memory: WasmMemory;
  /** Every SharedArrayBuffer object this memory has handed out (a new one after each growth). */
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  private heap: Float32Array;
  private top: number;
  private readonly free = new Map<number, number[]>();
  private readonly released = new FinalizationRegistry<Block>((block) => this.release(block));
  private readonly scratch: number;
  private staging: Block | null = null;
  /** TILE_FLOATS floats that are always there for the tiled gemm. */
  private readonly tiles: number;

  constructor(bytes: Uint8Array, relaxedBytes: Uint8Array, api: WasmApi) {
    this.memory = new api.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
    const instance = new api.Instance(new api.Module(bytes), { env: { memory: this.memory } });
    this.exports = instance.exports as KernelExports;
    // Both builds share one memory (and one scratch block: a thread runs one product at a time).
    this.relaxed = api.validate(relaxedBytes)
      ? new api.Instance(new api.Module(relaxedBytes), { env: { memory: this.memory } }).exports as KernelExports
      : null;
    this.heap = this.view();
    this.top = RESERVED;
    this.scratch = this.claim(this.exports.scratchBytes())!.at;
    this.tiles = this.claim(TILE_FLOATS * 4)!.at;
    if (this.exports.KC.value !== TILE_DEPTH) throw new Error(`gemm module blocks k by ${this.exports.KC.value}, not ${TILE_DEPTH}`);
  }

  /** Tests: a lower soft cap (bytes of blocks; null restores the default), and no staging block kept. */
  limitForTesting(bytes: number | null): void {
    softCapBytes = bytes ?? SOFT_CAP_PAGES * PAGE;
    if (this.staging) this.release(this.staging);
    this.staging = null;
  }

  private view(): Float32Array {
    const buffer = this.memory.buffer;
    this.buffers.add(buffer);
    return new Float32Array(buffer);
  }

  /** The current view of the whole memory (refreshed after growth). */
  private current(): Float32Array {
    if (this.heap.buffer.byteLength !== this.memory.buffer.byteLength) this.heap = this.view();
    return this.heap;
  }

  /** A block of at least `bytes` (not zeroed), or null when memory cannot grow that far. */
  private claim(bytes: number): Block | null {
    const size = roundSize(bytes);
    const reused = this.free.get(size)?.pop();
    if (reused !== undefined) return { at: reused, bytes: size };
    const end = this.top + size;
    if (end > Math.min(softCapBytes, MAX_PAGES * PAGE)) return null;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      try {
        this.memory.grow(pages);
      } catch {
        return null;
      }
    }
    const block = { at: this.top, bytes: size };
    this.top = end;
    return block;
  }

  /** Bytes the memory holds (it never shrinks) and bytes in blocks not on a free list. */
  usage(): { reservedBytes: number; liveBytes: number } {
    let freeBytes = 0;
    for (const [size, list] of this.free) freeBytes += size * list.length;
    return { reservedBytes: this.memory.buffer.byteLength, liveBytes: this.top - freeBytes };
  }

  private release(block: Block): void {
    const list = this.free.get(block.bytes);
    if (list) list.push(block.at);
    else this.free.set(block.bytes, [block.at]);
  }

  /** A zero-filled float32 buffer in WebAssembly memory, or null (the caller then uses the JS heap). */
  allocate(length: number): Float32Array | null {
    const block = this.claim(Math.max(length, 1) * 4);
    if (!block) return null;
    const heap = this.current();
    heap.fill(0, block.at >> 2, (block.at >> 2) + length);
    const array = new Float32Array(heap.buffer, block.at, length);
    this.released.register(array, block);
    return array;
  }

  private resident(array: Float32Array): boolean {
    return this.buffers.has(array.buffer);
  }

  /** Byte addresses for non-resident operands, laid out one after another in the staging block. */
  private stage(bytes: number): number | null {
    if (bytes === 0) return 0;
    if (!this.staging || this.staging.bytes < bytes) {
      if (this.staging) this.release(this.staging);
      this.staging = this.claim(bytes);
    }
    return this.staging?.at ?? null;
  }

  /**
   * `biasAt` and `yAt` (byte addresses, 0: none) select the fused epilogue; C must then live in this
   * memory. Operands that live elsewhere are staged whole when there is room, else block by block
   * (tiledGemm, same bits). False only with an epilogue whose operands cannot be staged whole (the
   * caller then multiplies and applies the epilogue as separate steps, again the same bits).
   */
  gemm(
    transA: boolean, transB: boolean, m: number, n: number, k: number,
    a: Float32Array, aOff: number, lda: number, b: Float32Array, bOff: number, ldb: number,
    c: Float32Array, cOff: number, ldc: number, accumulate: boolean, fused: boolean, biasAt = 0, yAt = 0,
  ): boolean {
    const module = fused && this.relaxed ? this.relaxed : this.exports;
    const aLength = spanOf(transA ? k : m, transA ? m : k, lda);
    const bLength = spanOf(transB ? n : k, transB ? k : n, ldb);
    const cLength = spanOf(m, n, ldc);
    const aHere = this.resident(a);
    const bHere = this.resident(b);
    const cHere = this.resident(c);
    const aBytes = aHere ? 0 : align(aLength * 4);
    const bBytes = bHere ? 0 : align(bLength * 4);
    const base = this.stage(aBytes + bBytes + (cHere ? 0 : cLength * 4));
    if (base === null) {
      if (biasAt || yAt) return false;
      this.tiledGemm(module, transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
      return true;
    }
    const heap = this.current();
    const aAt = aHere ? a.byteOffset + aOff * 4 : base;
    const bAt = bHere ? b.byteOffset + bOff * 4 : base + aBytes;
    const cAt = cHere ? c.byteOffset + cOff * 4 : base + aBytes + bBytes;
    if (!aHere) heap.set(a.subarray(aOff, aOff + aLength), aAt >> 2);
    if (!bHere) heap.set(b.subarray(bOff, bOff + bLength), bAt >> 2);
    // Rows of C with gaps between them (ldc > n) must keep the gaps' values: copy C in as well.
    if (!cHere && (accumulate || ldc !== n)) heap.set(c.subarray(cOff, cOff + cLength), cAt >> 2);
    // A few rows (batch-1 inference) without packing; the same bits as the packed product (see gemv).
    if (m < MIN_ROWS && !transB && !biasAt && !yAt) module.gemv(+transA, m, n, k, aAt, lda, bAt, ldb, cAt, ldc, +accumulate);
    else module.gemm(+transA, +transB, m, n, k, aAt, lda, bAt, ldb, cAt, ldc, +accumulate, this.scratch, biasAt, yAt);
    if (!cHere) c.set(heap.subarray(cAt >> 2, (cAt >> 2) + cLength), cOff);
    return true;
  }

  /**
   * gemm for operands that cannot be staged whole: C block by block (TILE_ROWS x TILE_COLS), each
   * summed over k in TILE_DEPTH steps (the first overwrites or accumulates as asked, the rest add),
   * copying the blocks that live outside this memory into the tile area.
   */
  private tiledGemm(
    module: KernelExports, transA: boolean, transB: boolean, m: number, n: number, k: number,
    a: Float32Array, aOff: number, lda: number, b: Float32Array, bOff: number, ldb: number,
    c: Float32Array, cOff: number, ldc: number, accumulate: boolean,
  ): void {
    if (k === 0) {
      if (!accumulate) for (let i = 0; i < m; i++) c.fill(0, cOff + i * ldc, cOff + i * ldc + n);
      return;
    }
    const aTile = this.tiles;
    const bTile = aTile + TILE_ROWS * TILE_DEPTH * 4;
    const cTile = bTile + TILE_DEPTH * TILE_COLS * 4;
    const aHere = this.resident(a), bHere = this.resident(b), cHere = this.resident(c);
    for (let i0 = 0; i0 < m; i0 += TILE_ROWS) {
      const mc = Math.min(TILE_ROWS, m - i0);
      for (let j0 = 0; j0 < n; j0 += TILE_COLS) {
        const nc = Math.min(TILE_COLS, n - j0);
        const cStart = cOff + i0 * ldc + j0;
        const cAt = cHere ? c.byteOffset + cStart * 4 : cTile;
        const cLd = cHere ? ldc : nc;
        if (!cHere && accumulate) this.copyIn(c, cStart, ldc, mc, nc, cTile);
        for (let p0 = 0; p0 < k; p0 += TILE_DEPTH) {
          const kc = Math.min(TILE_DEPTH, k - p0);
          // op(A)[i0.., p0..] is stored at row p0, column i0 when transposed; op(B)[p0.., j0..] likewise.
          const aStart = aOff + (transA ? p0 * lda + i0 : i0 * lda + p0);
          const [aRows, aCols] = transA ? [kc, mc] : [mc, kc];
          const aAt = aHere ? a.byteOffset + aStart * 4 : this.copyIn(a, aStart, lda, aRows, aCols, aTile);
          const bStart = bOff + (transB ? j0 * ldb + p0 : p0 * ldb + j0);
          const [bRows, bCols] = transB ? [nc, kc] : [kc, nc];
          const bAt = bHere ? b.byteOffset + bStart * 4 : this.copyIn(b, bStart, ldb, bRows, bCols, bTile);
          module.gemm(+transA, +transB, mc, nc, kc, aAt, aHere ? lda : aCols, bAt, bHere ? ldb : bCols, cAt, cLd,
            +(accumulate || p0 > 0), this.scratch, 0, 0);
        }
        if (!cHere) {
          const heap = this.current();
          for (let r = 0; r < mc; r++) c.set(heap.subarray((cTile >> 2) + r * nc, (cTile >> 2) + (r + 1) * nc), cStart + r * ldc);
        }
      }
    }
  }

  /** Copies a rows x cols block (row stride ld) into this memory at byte address `at`, rows packed; returns `at`. */
  private copyIn(from: Float32Array, start: number, ld: number, rows: number, cols: number, at: number): number {
    const heap = this.current();
    for (let r = 0; r < rows; r++) heap.set(from.subarray(start + r * ld, start + r * ld + cols), (at >> 2) + r * cols);
    return at;
  }

  /** The byte address of a float32 buffer in this memory (0 for null), or -1 when it lives elsewhere. */
  address(array: Float | null): number {
    if (array === null) return 0;
    return array instanceof Float32Array && this.resident(array) ? array.byteOffset : -1;
  }

  /** In place when both buffers live in this memory; false otherwise. Offsets are in elements. */
  window(op: 'im2col' | 'col2im', from: Float, fromOffset: number, images: number, g: Window2d, to: Float, toOffset: number): boolean {
    if (!(from instanceof Float32Array && to instanceof Float32Array && this.resident(from) && this.resident(to))) return false;
    this.exports[op](from.byteOffset + fromOffset * 4, ...windowArgs(images, g), to.byteOffset + toOffset * 4);
    return true;
  }
}

function windowArgs(batch: number, g: Window2d): WindowArgs {
  return [batch, g.inH, g.inW, g.channels, g.kH, g.kW, g.strideH, g.strideW, g.padTop, g.padLeft, g.outH, g.outW];
}

/** Elements from the first to the last used one of a rows x cols block with row stride ld. */
function spanOf(rows: number, cols: number, ld: number): number {
  return rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols;
}

function align(bytes: number): number {
  return (bytes + 63) & ~63;
}

/** Block sizes: multiples of 64 bytes, then four steps per power of two (at most 25% waste). */
function roundSize(bytes: number): number {
  if (bytes <= 1024) return align(bytes);
  const step = 2 ** (Math.floor(Math.log2(bytes)) - 2);
  return Math.ceil(bytes / step) * step;
}

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The module, instantiated on first use; null where WebAssembly SIMD or shared memory is unavailable. */
let runtime: WasmRuntime | null | undefined;

function wasm(): WasmRuntime | null {
  if (runtime === undefined) {
    runtime = null;
    const bytes = decodeBase64(GEMM_WASM_BASE64);
    if (wasmApi !== undefined && typeof FinalizationRegistry === 'function' && wasmApi.validate(bytes)) {
      try {
        runtime = new WasmRuntime(bytes, decodeBase64(GEMM_RELAXED_WASM_BASE64), wasmApi);
      } catch {
        runtime = null; // e.g. no shared memory in this runtime: the reference kernel takes over
      }
    }
  }
  return runtime;
}

/** Tests only: lowers the soft cap on WebAssembly memory to `bytes` of blocks (null: the default). */
export function limitWasmMemoryForTesting(bytes: number | null): void {
  wasm()?.limitForTesting(bytes);
}

/**
 * This thread's WebAssembly memory: what it holds (reserved; it never shrinks) and what is in use
 * (live: blocks whose arrays the garbage collector has not yet found unreachable). Zeros before the
 * first product or where WebAssembly is unavailable; it never instantiates the module itself.
 */
export function wasmMemoryUsage(): { reservedBytes: number; liveBytes: number } {
  return runtime ? runtime.usage() : { reservedBytes: 0, liveBytes: 0 };
}

/** True when this runtime can run the WebAssembly SIMD kernel (otherwise wasmKernel is the reference). */
export function wasmSimdAvailable(): boolean {
  return wasm() !== null;
}

/**
 * True when the relaxed-SIMD build runs here (Node 20: started with --experimental-wasm-relaxed-simd,
 * or v8.setFlagsFromString before the engine's first product, as the service's processes do).
 */
export function relaxedSimdAvailable(): boolean {
  return wasm()?.relaxed != null;
}

/** The plain-SIMD kernel or, `fused`, the relaxed-SIMD one; they differ only in gemm's multiply-add. */
function simdKernel(fused: boolean): MatMulKernel {
  return {
    /** What checkpoints record: the build that actually runs (the reference where WebAssembly is unavailable). */
    get name() {
      if (!wasmSimdAvailable()) return 'typescript';
      return fused && relaxedSimdAvailable() ? 'wasm-relaxed-simd' : 'wasm-simd';
    },
    gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate) {
      if (m === 0 || n === 0) return;
      const fast = (m >= MIN_ROWS || !transB) && a instanceof Float32Array && b instanceof Float32Array && c instanceof Float32Array
        && wasm()?.gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate, fused);
      if (!fast) typescriptKernel.gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    },
    gemmBiasRelu(transA, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, bias, y) {
      const w = wasm();
      const cAt = w?.address(c) ?? -1, biasAt = w?.address(bias) ?? -1, yAt = w?.address(y) ?? -1;
      if (cAt < 0 || biasAt < 0 || yAt < 0 || !(a instanceof Float32Array && b instanceof Float32Array)) return false;
      const cOffAt = cAt + cOff * 4;
      const yOffAt = y ? yAt + cOff * 4 : 0;
      if (m >= MIN_ROWS && n > 0) return w!.gemm(transA, false, m, n, k, a, aOff, lda, b, bOff, ldb, c as Float32Array, cOff, ldc, false, fused, biasAt, yOffAt);
      // A few rows: gemv, then the fused step alone (the same arithmetic as the epilogue).
      if (ldc !== n) return false;
      w!.gemm(transA, false, m, n, k, a, aOff, lda, b, bOff, ldb, c as Float32Array, cOff, ldc, false, fused);
      w!.exports.biasRelu(cOffAt, biasAt, m, n, yOffAt);
      return true;
    },
    ...elementWise,
  };
}

/** Everything but gemm: the same code in both builds (bit-identical to the reference). */
const elementWise: Omit<MatMulKernel, 'name' | 'gemm' | 'gemmBiasRelu'> = {
  allocateFloat32(length) {
    return wasm()?.allocate(length) ?? new Float32Array(length);
  },
  im2col(x, xOffset, images, g, cols) {
    if (!wasm()?.window('im2col', x, xOffset, images, g, cols, 0)) im2col(x, xOffset, images, g, cols);
  },
  col2im(dcols, images, g, dx, dxOffset) {
    if (!wasm()?.window('col2im', dcols, 0, images, g, dx, dxOffset)) col2im(dcols, images, g, dx, dxOffset);
  },
  // The element-wise steps below run in WebAssembly only when every buffer lives in its memory
  // (address() is -1 otherwise); they are called per chunk, so they avoid allocating.
  biasRelu(z, offset, bias, rows, width, y) {
    const w = wasm();
    const zAt = w?.address(z) ?? -1, biasAt = w?.address(bias) ?? -1, yAt = w?.address(y) ?? -1;
    if (zAt < 0 || biasAt < 0 || yAt < 0) return false;
    w!.exports.biasRelu(zAt + offset * 4, biasAt, rows, width, y ? yAt + offset * 4 : 0);
    return true;
  },
  reluBackward(dy, z, dz, length) {
    const w = wasm();
    const dyAt = w?.address(dy) ?? -1, zAt = w?.address(z) ?? -1, dzAt = w?.address(dz) ?? -1;
    if (dyAt < 0 || zAt < 0 || dzAt < 0) return false;
    w!.exports.reluBackward(dyAt, zAt, dzAt, length);
    return true;
  },
  sumRows(x, out, rows, width) {
    const w = wasm();
    const xAt = w?.address(x) ?? -1, outAt = w?.address(out) ?? -1;
    if (xAt < 0 || outAt < 0) return false;
    w!.exports.sumRows(xAt, outAt, rows, width);
    return true;
  },
  im2colTransposed(x, xOffset, images, g, cols, ld) {
    const w = wasm();
    const xAt = w?.address(x) ?? -1, colsAt = w?.address(cols) ?? -1;
    if (g.channels !== 1 || xAt < 0 || colsAt < 0) return false;
    w!.exports.im2colTransposed(xAt + xOffset * 4, images, g.inH, g.inW, g.kH, g.kW, g.strideH, g.strideW, g.padTop, g.padLeft, g.outH, g.outW, colsAt, ld);
    return true;
  },
  maxPool(x, batch, g, y) {
    const w = wasm();
    const xAt = w?.address(x) ?? -1, yAt = w?.address(y) ?? -1;
    if (xAt < 0 || yAt < 0) return false;
    w!.exports.maxPool(xAt, ...windowArgs(batch, g), yAt);
    return true;
  },
  maxPoolBackward(x, grad, batch, g, dx) {
    const w = wasm();
    const xAt = w?.address(x) ?? -1, gradAt = w?.address(grad) ?? -1, dxAt = w?.address(dx) ?? -1;
    if (xAt < 0 || gradAt < 0 || dxAt < 0) return false;
    w!.exports.maxPoolBackward(xAt, gradAt, ...windowArgs(batch, g), dxAt);
    return true;
  },
};

/** The plain-SIMD kernel: the same results on every machine (mul + add). */
export const wasmKernel: MatMulKernel = simdKernel(false);
/**
 * The relaxed-SIMD kernel: gemm's multiply-add fused where the CPU has FMA (the same bits run after run
 * on one machine; another CPU may round differently, so checkpoints record it). Where relaxed SIMD is
 * unavailable it is the plain kernel, and says so in its name.
 */
export const wasmRelaxedKernel: MatMulKernel = simdKernel(true);
