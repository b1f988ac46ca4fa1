// AssemblyScript source of the engine's WebAssembly SIMD kernels, built by scripts/build-wasm.ts into
// src/engine/kernels/gemm-wasm-module.ts and called through src/engine/kernels/wasm-kernel.ts, which
// places the float32 data in this module's memory. The matrix multiply: row-major C[m x n] (+)=
// op(A)[m x k] · op(B)[k x n], blocked as in GotoBLAS: op(B) is packed KC x NC at a time into 8-column
// panels (contiguous, zero-padded), and a 4x8 register-blocked micro-kernel walks op(A) in place (4
// rows at a time, either storage order) against each panel, with an optional bias + relu epilogue.
// Then the convolution and layer helpers: im2col (both layouts), col2im, bias + relu, relu backward,
// the bias gradient and max pooling. Built twice (scripts/build-wasm.ts): with plain SIMD (mul + add,
// the same results on every machine) and with relaxed SIMD, where the micro-kernel's multiply-add is
// f32x4.relaxed_madd (one fused multiply-add where the CPU has FMA; Node 20 needs
// --experimental-wasm-relaxed-simd). Only the micro-kernel differs between the two builds.

const MR: i32 = 4;
const NR: i32 = 8;
/** Depth of one block: a 4 x KC sliver of A and a KC x 8 panel of B stay in L1 (4 KiB + 8 KiB). */
export const KC: i32 = 256;
/** Width of one packed block of B: KC x NC floats (256 KiB) stay in L2. */
export const NC: i32 = 256;

/** Scratch the caller reserves: packed B, one zero-padded 4 x KC sliver of A, one 4 x 8 tile. */
export function scratchBytes(): i32 {
  return (KC * NC + MR * KC + MR * NR) * 4;
}

/**
 * C = op(A)·op(B) (or C += when `accumulate`). Pointers are byte addresses in this memory; leading
 * dimensions are in elements. `scratch` points at scratchBytes() free bytes. Optional epilogue, applied
 * as each tile's sum completes (while it is in registers): C[i, j] += bias[j] when `bias` is not 0,
 * then Y = relu(C) into `y` (laid out as C) when `y` is not 0; the same arithmetic as doing it after.
 */
export function gemm(
  transA: bool, transB: bool, m: i32, n: i32, k: i32,
  a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32,
  accumulate: bool, scratch: usize, bias: usize, y: usize,
): void {
  const packedB = scratch;
  const sliver = packedB + <usize>(KC * NC * 4);
  const tile = sliver + <usize>(MR * KC * 4);
  if (k == 0) {
    if (!accumulate) for (let i = 0; i < m; i++) memory.fill(c + <usize>(i * ldc * 4), 0, <usize>(n * 4));
    if (bias || y) for (let i = 0; i < m; i++) epilogueRow(c + <usize>(i * ldc * 4), n, bias, y ? y - c : 0, y != 0);
    return;
  }
  const relu = y != 0;
  const yDelta: usize = relu ? y - c : 0;
  // Byte strides of A(i, p) = a + i*aRow + p*aCol, whichever way it is stored.
  const aRow: usize = transA ? 4 : <usize>lda * 4;
  const aCol: usize = transA ? <usize>lda * 4 : 4;
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = min(NC, n - j0);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = min(KC, k - p0);
      packB(transB, b, ldb, p0, j0, kc, nc, packedB);
      const add = accumulate || p0 > 0;
      const last = p0 + kc >= k;
      for (let i0 = 0; i0 < m; i0 += MR) {
        const mr = min(MR, m - i0);
        let aPtr = a + <usize>i0 * aRow + <usize>p0 * aCol;
        let rowStride = aRow;
        let colStride = aCol;
        if (mr < MR) {
          packSliver(aPtr, aRow, aCol, mr, kc, sliver);
          aPtr = sliver;
          rowStride = 4;
          colStride = MR * 4;
        }
        const cRow = c + <usize>(i0 * ldc + j0) * 4;
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const panel = packedB + <usize>(jr * kc * 4);
          const tileBias = last && bias ? bias + <usize>((j0 + jr) * 4) : 0;
          const tileRelu = last && relu;
          if (mr == MR && nr == NR) {
            micro4x8(kc, aPtr, rowStride, colStride, panel, cRow + <usize>(jr * 4), <usize>ldc * 4, add, tileBias, yDelta, tileRelu);
          } else {
            micro4x8(kc, aPtr, rowStride, colStride, panel, tile, NR * 4, false, 0, 0, false);
            storeEdge(tile, cRow + <usize>(jr * 4), ldc, mr, nr, add, tileBias, yDelta, tileRelu);
          }
        }
      }
    }
  }
}

/**
 * gemm for a few rows (batch-1 inference) with B stored k x n: no packing, B streamed in place, 16
 * columns at a time. Every element of C gets exactly the arithmetic gemm gives it (sums over p from
 * zero within each KC-deep block, the block's sum added to C, the same multiply-add), so a row's result
 * is bit-identical whether it is multiplied alone or inside a larger product.
 */
export function gemv(
  transA: bool, m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, accumulate: bool,
): void {
  const aRow: usize = transA ? 4 : <usize>lda * 4;
  const aCol: usize = transA ? <usize>lda * 4 : 4;
  const bRow: usize = <usize>ldb * 4;
  for (let i = 0; i < m; i++) {
    const cRow = c + <usize>(i * ldc) * 4;
    const aBase = a + <usize>i * aRow;
    if (k == 0) {
      if (!accumulate) memory.fill(cRow, 0, <usize>(n * 4));
      continue;
    }
    let j = 0;
    for (; j + 16 <= n; j += 16) {
      const cAt = cRow + <usize>(j * 4);
      for (let p0 = 0; p0 < k; p0 += KC) {
        const p1 = min(p0 + KC, k);
        let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
        let pa = aBase + <usize>p0 * aCol;
        let pb = b + <usize>p0 * bRow + <usize>(j * 4);
        for (let p = p0; p < p1; p++) {
          const x = v128.load32_splat(pa);
          s0 = madd(x, v128.load(pb), s0);
          s1 = madd(x, v128.load(pb, 16), s1);
          s2 = madd(x, v128.load(pb, 32), s2);
          s3 = madd(x, v128.load(pb, 48), s3);
          pa += aCol;
          pb += bRow;
        }
        if (accumulate || p0 > 0) {
          s0 = f32x4.add(s0, v128.load(cAt)); s1 = f32x4.add(s1, v128.load(cAt, 16));
          s2 = f32x4.add(s2, v128.load(cAt, 32)); s3 = f32x4.add(s3, v128.load(cAt, 48));
        }
        v128.store(cAt, s0); v128.store(cAt, s1, 16); v128.store(cAt, s2, 32); v128.store(cAt, s3, 48);
      }
    }
    // The last columns one at a time, in lane 0 of a vector: the same multiply-add as the lanes above.
    for (; j < n; j++) {
      const cAt = cRow + <usize>(j * 4);
      for (let p0 = 0; p0 < k; p0 += KC) {
        const p1 = min(p0 + KC, k);
        let s = f32x4.splat(0);
        let pa = aBase + <usize>p0 * aCol;
        let pb = b + <usize>p0 * bRow + <usize>(j * 4);
        for (let p = p0; p < p1; p++) {
          s = madd(v128.load32_splat(pa), v128.load32_zero(pb), s);
          pa += aCol;
          pb += bRow;
        }
        let v = f32x4.extract_lane(s, 0);
        if (accumulate || p0 > 0) v = load<f32>(cAt) + v;
        store<f32>(cAt, v);
      }
    }
  }
}

/** op(B)[p0 .. p0+kc, j0 .. j0+nc] into 8-column panels: panel q holds kc rows of 8, zero-padded. */
function packB(transB: bool, b: usize, ldb: i32, p0: i32, j0: i32, kc: i32, nc: i32, out: usize): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = min(NR, nc - jr);
    const panel = out + <usize>(jr * kc * 4);
    const j = j0 + jr;
    if (!transB && nr == NR) {
      let src = b + <usize>(p0 * ldb + j) * 4;
      let dst = panel;
      for (let p = 0; p < kc; p++) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
        src += <usize>ldb * 4;
        dst += 32;
      }
    } else if (!transB) {
      for (let p = 0; p < kc; p++) {
        const src = b + <usize>((p0 + p) * ldb + j) * 4;
        const dst = panel + <usize>(p * NR * 4);
        v128.store(dst, f32x4.splat(0));
        v128.store(dst, f32x4.splat(0), 16);
        for (let q = 0; q < nr; q++) store<f32>(dst + <usize>(q * 4), load<f32>(src + <usize>(q * 4)));
      }
    } else {
      // B stored n x k: column j of op(B) is row j of B, contiguous in p.
      if (nr < NR) memory.fill(panel, 0, <usize>(kc * NR * 4));
      for (let q = 0; q < nr; q++) {
        let src = b + <usize>((j + q) * ldb + p0) * 4;
        let dst = panel + <usize>(q * 4);
        for (let p = 0; p < kc; p++) {
          store<f32>(dst, load<f32>(src));
          src += 4;
          dst += NR * 4;
        }
      }
    }
  }
}

/** The last mr < 4 rows of A's block as a zero-padded 4 x kc sliver (column-interleaved). */
function packSliver(a: usize, rowStride: usize, colStride: usize, mr: i32, kc: i32, out: usize): void {
  memory.fill(out, 0, <usize>(MR * kc * 4));
  for (let r = 0; r < mr; r++) {
    let src = a + <usize>r * rowStride;
    let dst = out + <usize>(r * 4);
    for (let p = 0; p < kc; p++) {
      store<f32>(dst, load<f32>(src));
      src += colStride;
      dst += MR * 4;
    }
  }
}

/**
 * acc + a·b: fused in the relaxed build (ASC_FEATURE_RELAXED_SIMD is a compile-time constant, so each
 * build keeps one branch; -O3 inlines it, no decorator needed, which keeps the file parseable by ESLint).
 */
function madd(a: v128, b: v128, acc: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}

/**
 * The 4x8 tile of C at `c` (row stride `ldcBytes`) = (or +=) Σ_p A(r, p) · panel(p, 0..8): eight f32x4
 * accumulators, two panel loads and four broadcasts per step. Every tile sums over p in the same
 * order, so results do not depend on where a tile sits.
 */
function micro4x8(
  kc: i32, a: usize, rowStride: usize, colStride: usize, panel: usize, c: usize, ldcBytes: usize, add: bool,
  bias: usize, yDelta: usize, relu: bool,
): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const r2 = rowStride * 2;
  const r3 = rowStride * 3;
  let pa = a;
  let pb = panel;
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let x = v128.load32_splat(pa);
    c00 = madd(x, b0, c00);
    c01 = madd(x, b1, c01);
    x = v128.load32_splat(pa + rowStride);
    c10 = madd(x, b0, c10);
    c11 = madd(x, b1, c11);
    x = v128.load32_splat(pa + r2);
    c20 = madd(x, b0, c20);
    c21 = madd(x, b1, c21);
    x = v128.load32_splat(pa + r3);
    c30 = madd(x, b0, c30);
    c31 = madd(x, b1, c31);
    pa += colStride;
    pb += 32;
  }
  let row = c;
  if (add) {
    c00 = f32x4.add(c00, v128.load(row)); c01 = f32x4.add(c01, v128.load(row, 16)); row += ldcBytes;
    c10 = f32x4.add(c10, v128.load(row)); c11 = f32x4.add(c11, v128.load(row, 16)); row += ldcBytes;
    c20 = f32x4.add(c20, v128.load(row)); c21 = f32x4.add(c21, v128.load(row, 16)); row += ldcBytes;
    c30 = f32x4.add(c30, v128.load(row)); c31 = f32x4.add(c31, v128.load(row, 16));
    row = c;
  }
  if (bias) {
    const b0 = v128.load(bias);
    const b1 = v128.load(bias, 16);
    c00 = f32x4.add(c00, b0); c01 = f32x4.add(c01, b1);
    c10 = f32x4.add(c10, b0); c11 = f32x4.add(c11, b1);
    c20 = f32x4.add(c20, b0); c21 = f32x4.add(c21, b1);
    c30 = f32x4.add(c30, b0); c31 = f32x4.add(c31, b1);
  }
  v128.store(row, c00); v128.store(row, c01, 16); row += ldcBytes;
  v128.store(row, c10); v128.store(row, c11, 16); row += ldcBytes;
  v128.store(row, c20); v128.store(row, c21, 16); row += ldcBytes;
  v128.store(row, c30); v128.store(row, c31, 16);
  if (relu) {
    // pmax(v, 0) = v < 0 ? 0 : v: NaN stays NaN, as the TypeScript relu (v > 0 ? v : 0·v).
    const zero = f32x4.splat(0);
    row = c + yDelta;
    v128.store(row, f32x4.pmax(c00, zero)); v128.store(row, f32x4.pmax(c01, zero), 16); row += ldcBytes;
    v128.store(row, f32x4.pmax(c10, zero)); v128.store(row, f32x4.pmax(c11, zero), 16); row += ldcBytes;
    v128.store(row, f32x4.pmax(c20, zero)); v128.store(row, f32x4.pmax(c21, zero), 16); row += ldcBytes;
    v128.store(row, f32x4.pmax(c30, zero)); v128.store(row, f32x4.pmax(c31, zero), 16);
  }
}

/** Copies (or adds) the valid mr x nr corner of a full 4x8 tile into C, then the epilogue of gemm. */
function storeEdge(tile: usize, c: usize, ldc: i32, mr: i32, nr: i32, add: bool, bias: usize, yDelta: usize, relu: bool): void {
  for (let r = 0; r < mr; r++) {
    const src = tile + <usize>(r * NR * 4);
    const dst = c + <usize>(r * ldc * 4);
    for (let q = 0; q < nr; q++) {
      const v = load<f32>(src + <usize>(q * 4));
      const at = dst + <usize>(q * 4);
      store<f32>(at, add ? load<f32>(at) + v : v);
    }
    if (bias || relu) epilogueRow(dst, nr, bias, yDelta, relu);
  }
}

/** The epilogue on one row of n values: += bias, then relu into the row at +yDelta. */
function epilogueRow(row: usize, n: i32, bias: usize, yDelta: usize, relu: bool): void {
  for (let q = 0; q < n; q++) {
    const at = row + <usize>(q * 4);
    let v = load<f32>(at);
    if (bias) {
      v += load<f32>(bias + <usize>(q * 4));
      store<f32>(at, v);
    }
    if (relu) store<f32>(at + yDelta, v < 0 ? 0 : v); // as pmax in the vector lanes: NaN stays NaN
  }
}

/**
 * cols[(n, oy, ox), (ky, kx, c)] = x[n, oy·sH - padTop + ky, ox·sW - padLeft + kx, c], zero outside
 * the image (channels-last, as src/engine/kernels/im2col.ts). A window row inside the image is one
 * contiguous run of kW·C floats.
 */
export function im2col(
  x: usize, batch: i32, inH: i32, inW: i32, channels: i32, kH: i32, kW: i32,
  strideH: i32, strideW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, cols: usize,
): void {
  const pixelBytes = <usize>channels * 4;
  const runBytes = <usize>kW * pixelBytes;
  const rowBytes = <usize>inW * pixelBytes;
  const imageBytes = <usize>inH * rowBytes;
  // Output columns whose window lies inside the image horizontally: [oxLo, oxHi).
  const oxLo = min((padLeft + strideW - 1) / strideW, outW);
  const room = inW - kW + padLeft;
  const oxHi = room < 0 ? oxLo : max(min(room / strideW + 1, outW), oxLo);
  let o = cols;
  for (let n = 0; n < batch; n++) {
    const image = x + <usize>n * imageBytes;
    for (let oy = 0; oy < outH; oy++) {
      const iy0 = oy * strideH - padTop;
      const fullHeight = iy0 >= 0 && iy0 + kH <= inH;
      for (let ox = 0; ox < outW; ox++) {
        const x0 = ox * strideW - padLeft;
        if (fullHeight && ox >= oxLo && ox < oxHi) {
          // The common case: kH runs of kW·C floats, one image row apart.
          let src = image + <usize>iy0 * rowBytes + <usize>x0 * pixelBytes;
          for (let ky = 0; ky < kH; ky++) {
            copyBytes(o, src, runBytes);
            src += rowBytes;
            o += runBytes;
          }
          continue;
        }
        for (let ky = 0; ky < kH; ky++) {
          const iy = iy0 + ky;
          if (iy < 0 || iy >= inH) {
            zeroBytes(o, runBytes);
          } else {
            for (let kx = 0; kx < kW; kx++) {
              const ix = x0 + kx;
              const dst = o + <usize>kx * pixelBytes;
              if (ix < 0 || ix >= inW) zeroBytes(dst, pixelBytes);
              else copyBytes(dst, image + (<usize>(iy * inW + ix)) * pixelBytes, pixelBytes);
            }
          }
          o += runBytes;
        }
      }
    }
  }
}

/** The adjoint of im2col: dx[n, iy, ix, c] = Σ over every patch that read it (dx is zeroed first). */
export function col2im(
  dcols: usize, batch: i32, inH: i32, inW: i32, channels: i32, kH: i32, kW: i32,
  strideH: i32, strideW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, dx: usize,
): void {
  const pixelBytes = <usize>channels * 4;
  const imageBytes = <usize>(inH * inW) * pixelBytes;
  memory.fill(dx, 0, <usize>batch * imageBytes);
  const vectors = channels >> 2;
  let o = dcols;
  for (let n = 0; n < batch; n++) {
    const image = dx + <usize>n * imageBytes;
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        const x0 = ox * strideW - padLeft;
        for (let ky = 0; ky < kH; ky++) {
          const iy = oy * strideH - padTop + ky;
          if (iy < 0 || iy >= inH) {
            o += <usize>kW * pixelBytes;
            continue;
          }
          for (let kx = 0; kx < kW; kx++) {
            const ix = x0 + kx;
            if (ix >= 0 && ix < inW) {
              const dst = image + (<usize>(iy * inW + ix)) * pixelBytes;
              let q = 0;
              for (; q < vectors; q++) {
                const at = dst + <usize>(q * 16);
                v128.store(at, f32x4.add(v128.load(at), v128.load(o + <usize>(q * 16))));
              }
              for (let c = q * 4; c < channels; c++) {
                const at = dst + <usize>(c * 4);
                store<f32>(at, load<f32>(at) + load<f32>(o + <usize>(c * 4)));
              }
            }
            o += pixelBytes;
          }
        }
      }
    }
  }
}

/** Short copies as vector moves: memory.copy and memory.fill are calls into the engine in V8, slow for a few floats. */
function copyBytes(dst: usize, src: usize, bytes: usize): void {
  let i: usize = 0;
  for (; i + 16 <= bytes; i += 16) v128.store(dst + i, v128.load(src + i));
  for (; i < bytes; i += 4) store<f32>(dst + i, load<f32>(src + i));
}

function zeroBytes(dst: usize, bytes: usize): void {
  let i: usize = 0;
  for (; i + 16 <= bytes; i += 16) v128.store(dst + i, f32x4.splat(0));
  for (; i < bytes; i += 4) store<f32>(dst + i, 0);
}

/**
 * z[r, j] += bias[j] for every row (bias 0: none), then y = relu(z) when y is not 0. Same arithmetic,
 * in the same order, as the TypeScript addBias and relu, so the results are bit-identical.
 */
export function biasRelu(z: usize, bias: usize, rows: i32, width: i32, y: usize): void {
  const zero = f32x4.splat(0);
  const vectorEnd = width & ~3;
  for (let r = 0; r < rows; r++) {
    const zr = z + <usize>(r * width) * 4;
    const yr = y + <usize>(r * width) * 4;
    let j = 0;
    for (; j < vectorEnd; j += 4) {
      const at = <usize>j * 4;
      let v = v128.load(zr + at);
      if (bias) {
        v = f32x4.add(v, v128.load(bias + at));
        v128.store(zr + at, v);
      }
      if (y) v128.store(yr + at, f32x4.pmax(v, zero)); // pmax(v, 0) = v < 0 ? 0 : v: NaN stays NaN, as the reference
    }
    for (; j < width; j++) {
      const at = <usize>j * 4;
      let v = load<f32>(zr + at);
      if (bias) {
        v += load<f32>(bias + at);
        store<f32>(zr + at, v);
      }
      if (y) store<f32>(yr + at, v < 0 ? 0 : v); // the vector lanes' pmax: NaN stays NaN
    }
  }
}

/** dz = z > 0 ? dy : 0, element-wise. */
export function reluBackward(dy: usize, z: usize, dz: usize, length: i32): void {
  const zero = f32x4.splat(0);
  const vectorEnd = length & ~3;
  let i = 0;
  for (; i < vectorEnd; i += 4) {
    const at = <usize>i * 4;
    v128.store(dz + at, v128.and(v128.load(dy + at), f32x4.gt(v128.load(z + at), zero)));
  }
  for (; i < length; i++) {
    const at = <usize>i * 4;
    store<f32>(dz + at, load<f32>(z + at) > 0 ? load<f32>(dy + at) : 0);
  }
}

/** out[j] = Σ_r x[r, j], summed row after row as the TypeScript sumRows (bit-identical). */
export function sumRows(x: usize, out: usize, rows: i32, width: i32): void {
  memory.fill(out, 0, <usize>width * 4);
  const vectorEnd = width & ~3;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>(r * width) * 4;
    let j = 0;
    for (; j < vectorEnd; j += 4) {
      const at = <usize>j * 4;
      v128.store(out + at, f32x4.add(v128.load(out + at), v128.load(xr + at)));
    }
    for (; j < width; j++) {
      const at = <usize>j * 4;
      store<f32>(out + at, load<f32>(out + at) + load<f32>(xr + at));
    }
  }
}

/**
 * Max pooling forward (channels-last, windows clipped to the image: padding is never a candidate).
 * y is the first maximum in scan order, as src/engine/layers/pool2d.ts: pmax(best, v) takes v only
 * when best < v, and a window with no value above -Infinity yields its first value.
 */
export function maxPool(
  x: usize, batch: i32, inH: i32, inW: i32, channels: i32, kH: i32, kW: i32,
  strideH: i32, strideW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, y: usize,
): void {
  const vectors = channels >> 2;
  const lowest = f32x4.splat(-Infinity);
  let o = y;
  for (let n = 0; n < batch; n++) {
    const image = x + <usize>(n * inH * inW * channels) * 4;
    for (let oy = 0; oy < outH; oy++) {
      const y0 = max(oy * strideH - padTop, 0);
      const y1 = min(oy * strideH - padTop + kH, inH);
      for (let ox = 0; ox < outW; ox++) {
        const x0 = max(ox * strideW - padLeft, 0);
        const x1 = min(ox * strideW - padLeft + kW, inW);
        const first = image + <usize>((y0 * inW + x0) * channels) * 4;
        if (y1 - y0 == 2 && x1 - x0 == 2) {
          // The common 2x2 window, unrolled; the same pmax chain in scan order.
          const right = <usize>channels * 4;
          const below = <usize>(inW * channels) * 4;
          for (let q = 0; q < vectors; q++) {
            const at = first + <usize>(q * 16);
            let best = f32x4.pmax(lowest, v128.load(at));
            best = f32x4.pmax(best, v128.load(at + right));
            best = f32x4.pmax(best, v128.load(at + below));
            best = f32x4.pmax(best, v128.load(at + below + right));
            v128.store(o, v128.bitselect(v128.load(at), best, f32x4.eq(best, lowest)));
            o += 16;
          }
        } else {
          for (let q = 0; q < vectors; q++) {
            let best = lowest;
            for (let iy = y0; iy < y1; iy++) {
              for (let ix = x0; ix < x1; ix++) {
                best = f32x4.pmax(best, v128.load(image + <usize>((iy * inW + ix) * channels + q * 4) * 4));
              }
            }
            v128.store(o, v128.bitselect(v128.load(first + <usize>(q * 16)), best, f32x4.eq(best, lowest)));
            o += 16;
          }
        }
        for (let c = vectors * 4; c < channels; c++) {
          let best: f32 = -Infinity;
          for (let iy = y0; iy < y1; iy++) {
            for (let ix = x0; ix < x1; ix++) {
              const v = load<f32>(image + <usize>((iy * inW + ix) * channels + c) * 4);
              if (v > best) best = v;
            }
          }
          store<f32>(o, best == -Infinity ? load<f32>(first + <usize>(c * 4)) : best);
          o += 4;
        }
      }
    }
  }
}

/**
 * Max pooling backward: dx = 0, then each output's gradient goes to its window's first maximum in x.
 * Four channels at a time without branches: a lane moves to a later element only when it is strictly
 * greater (so ties and NaN keep the earlier one, as the reference), then the four gradients are added
 * at the four winners.
 */
export function maxPoolBackward(
  x: usize, grad: usize, batch: i32, inH: i32, inW: i32, channels: i32, kH: i32, kW: i32,
  strideH: i32, strideW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, dx: usize,
): void {
  const imageFloats = inH * inW * channels;
  memory.fill(dx, 0, <usize>(batch * imageFloats) * 4);
  const vectors = channels >> 2;
  let o = grad;
  for (let n = 0; n < batch; n++) {
    const image = <usize>(n * imageFloats) * 4;
    const xImage = x + image;
    const dxImage = dx + image;
    for (let oy = 0; oy < outH; oy++) {
      const y0 = max(oy * strideH - padTop, 0);
      const y1 = min(oy * strideH - padTop + kH, inH);
      for (let ox = 0; ox < outW; ox++) {
        const x0 = max(ox * strideW - padLeft, 0);
        const x1 = min(ox * strideW - padLeft + kW, inW);
        const first = (y0 * inW + x0) * channels * 4;
        for (let q = 0; q < vectors; q++) {
          const lane = q * 16;
          let best = f32x4.splat(-Infinity);
          let at = i32x4.splat(first);
          for (let iy = y0; iy < y1; iy++) {
            for (let ix = x0; ix < x1; ix++) {
              const offset = (iy * inW + ix) * channels * 4;
              const v = v128.load(xImage + <usize>(offset + lane));
              const greater = f32x4.gt(v, best);
              best = v128.bitselect(v, best, greater);
              at = v128.bitselect(i32x4.splat(offset), at, greater);
            }
          }
          const g = v128.load(o);
          addAt(dxImage + <usize>(i32x4.extract_lane(at, 0) + lane), f32x4.extract_lane(g, 0));
          addAt(dxImage + <usize>(i32x4.extract_lane(at, 1) + lane + 4), f32x4.extract_lane(g, 1));
          addAt(dxImage + <usize>(i32x4.extract_lane(at, 2) + lane + 8), f32x4.extract_lane(g, 2));
          addAt(dxImage + <usize>(i32x4.extract_lane(at, 3) + lane + 12), f32x4.extract_lane(g, 3));
          o += 16;
        }
        for (let c = vectors * 4; c < channels; c++) {
          let best: f32 = -Infinity;
          let at = <usize>(first + c * 4);
          for (let iy = y0; iy < y1; iy++) {
            for (let ix = x0; ix < x1; ix++) {
              const i = <usize>(((iy * inW + ix) * channels + c) * 4);
              const v = load<f32>(xImage + i);
              if (v > best) {
                best = v;
                at = i;
              }
            }
          }
          addAt(dxImage + at, load<f32>(o));
          o += 4;
        }
      }
    }
  }
}

function addAt(at: usize, value: f32): void {
  store<f32>(at, load<f32>(at) + value);
}

/**
 * im2col transposed, for images with one channel: colsT[p, q] = cols[q, p] with p = (ky, kx) and q
 * the output pixel, rows of length ld. With stride 1 each (p, oy) is one run of outW pixels of an
 * input row (zero where the window hangs over the edge), so the copies are long where im2col's are
 * kW floats. conv2d multiplies it with transA.
 */
export function im2colTransposed(
  x: usize, batch: i32, inH: i32, inW: i32, kH: i32, kW: i32,
  strideH: i32, strideW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, cols: usize, ld: i32,
): void {
  const pixels = outH * outW;
  for (let n = 0; n < batch; n++) {
    const image = x + <usize>(n * inH * inW) * 4;
    for (let ky = 0; ky < kH; ky++) {
      for (let kx = 0; kx < kW; kx++) {
        let dst = cols + (<usize>((ky * kW + kx) * ld + n * pixels)) * 4;
        // Output columns whose input column ox·sW - padLeft + kx is inside the image: [lo, hi).
        const shift = kx - padLeft;
        const lo = min(shift >= 0 ? 0 : (-shift + strideW - 1) / strideW, outW);
        const hi = inW - 1 - shift < 0 ? lo : max(min((inW - 1 - shift) / strideW + 1, outW), lo);
        for (let oy = 0; oy < outH; oy++) {
          const iy = oy * strideH - padTop + ky;
          if (iy < 0 || iy >= inH) {
            zeroBytes(dst, <usize>outW * 4);
          } else {
            zeroBytes(dst, <usize>lo * 4);
            const src = image + <usize>(iy * inW + shift) * 4;
            if (strideW == 1) {
              copyBytes(dst + <usize>lo * 4, src + <usize>lo * 4, <usize>(hi - lo) * 4);
            } else {
              for (let ox = lo; ox < hi; ox++) store<f32>(dst + <usize>ox * 4, load<f32>(src + <usize>(ox * strideW) * 4));
            }
            zeroBytes(dst + <usize>hi * 4, <usize>(outW - hi) * 4);
          }
          dst += <usize>outW * 4;
        }
      }
    }
  }
}
