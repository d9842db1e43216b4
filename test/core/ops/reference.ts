/**
 * Direct float64 implementations of PyTorch's definitions on NHWC arrays,
 * written loop by loop from the formulas in PyTorch's documentation, to
 * check the tensor ops against. Deliberately naive and slow.
 */

export interface Array4 {
  data: Float64Array;
  shape: [number, number, number, number];
}

export function array4(data: ArrayLike<number>, shape: [number, number, number, number]): Array4 {
  return { data: Float64Array.from(data), shape };
}

const at = (s: readonly number[], a: number, b: number, c: number, d: number) => ((a * s[1] + b) * s[2] + c) * s[3] + d;

function reflectIndex(i: number, size: number): number {
  if (i < 0) return -i;
  if (i >= size) return 2 * (size - 1) - i;
  return i;
}

export interface ConvArgs {
  stride: number;
  padding: number;
  dilation?: number;
  reflect?: boolean;
}

/** nn.Conv2d: y[n,y,x,o] = b[o] + Σ x[n, y·s − p + a·d, x·s − p + b·d, i]·w[a,b,i,o]. */
export function naiveConv2d(x: Array4, w: Array4, bias: ArrayLike<number> | null, args: ConvArgs): Array4 {
  const [n, h, wd, c] = x.shape;
  const [kh, kw, , o] = w.shape;
  const d = args.dilation ?? 1;
  const oh = Math.floor((h + 2 * args.padding - d * (kh - 1) - 1) / args.stride) + 1;
  const ow = Math.floor((wd + 2 * args.padding - d * (kw - 1) - 1) / args.stride) + 1;
  const out = new Float64Array(n * oh * ow * o);
  const os = [n, oh, ow, o];
  for (let b = 0; b < n; b++)
    for (let yy = 0; yy < oh; yy++)
      for (let xx = 0; xx < ow; xx++)
        for (let oc = 0; oc < o; oc++) {
          let sum = bias ? bias[oc] : 0;
          for (let a = 0; a < kh; a++)
            for (let bb = 0; bb < kw; bb++) {
              let iy = yy * args.stride - args.padding + a * d;
              let ix = xx * args.stride - args.padding + bb * d;
              if (args.reflect) {
                iy = reflectIndex(iy, h);
                ix = reflectIndex(ix, wd);
              } else if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
              for (let ic = 0; ic < c; ic++) sum += x.data[at(x.shape, b, iy, ix, ic)] * w.data[at(w.shape, a, bb, ic, oc)];
            }
          out[at(os, b, yy, xx, oc)] = sum;
        }
  return { data: out, shape: [n, oh, ow, o] };
}

export interface ConvTransposeArgs {
  stride: number;
  padding: number;
  outputPadding: number;
  dilation?: number;
}

/**
 * nn.ConvTranspose2d as a scatter: input pixel (y, x) adds w[a,b,o,i]·x to
 * output (y·s − p + a·d, x·s − p + b·d); the kernel is [kh, kw, out, in].
 */
export function naiveConvTranspose2d(x: Array4, w: Array4, bias: ArrayLike<number> | null, args: ConvTransposeArgs): Array4 {
  const [n, h, wd, c] = x.shape;
  const [kh, kw, o] = w.shape;
  const d = args.dilation ?? 1;
  const oh = (h - 1) * args.stride - 2 * args.padding + d * (kh - 1) + args.outputPadding + 1;
  const ow = (wd - 1) * args.stride - 2 * args.padding + d * (kw - 1) + args.outputPadding + 1;
  const os = [n, oh, ow, o];
  const out = new Float64Array(n * oh * ow * o);
  if (bias) for (let i = 0; i < out.length; i++) out[i] = bias[i % o];
  for (let b = 0; b < n; b++)
    for (let yy = 0; yy < h; yy++)
      for (let xx = 0; xx < wd; xx++)
        for (let ic = 0; ic < c; ic++) {
          const v = x.data[at(x.shape, b, yy, xx, ic)];
          for (let a = 0; a < kh; a++)
            for (let bb = 0; bb < kw; bb++) {
              const ty = yy * args.stride - args.padding + a * d;
              const tx = xx * args.stride - args.padding + bb * d;
              if (ty < 0 || ty >= oh || tx < 0 || tx >= ow) continue;
              for (let oc = 0; oc < o; oc++) out[at(os, b, ty, tx, oc)] += v * w.data[at(w.shape, a, bb, oc, ic)];
            }
        }
  return { data: out, shape: [n, oh, ow, o] };
}

/** PyTorch's area_pixel_compute_source_index for linear modes. */
function sourceIndex(dst: number, inSize: number, outSize: number, alignCorners: boolean): number {
  if (alignCorners) return outSize > 1 ? (dst * (inSize - 1)) / (outSize - 1) : 0;
  const src = ((dst + 0.5) * inSize) / outSize - 0.5;
  return src < 0 ? 0 : src;
}

/** upsample_bilinear2d: per output pixel, the four neighbours h0/h0+1 × w0/w0+1 with lambdas. */
export function naiveBilinear(x: Array4, outH: number, outW: number, alignCorners: boolean): Array4 {
  const [n, h, w, c] = x.shape;
  const os = [n, outH, outW, c];
  const out = new Float64Array(n * outH * outW * c);
  for (let oy = 0; oy < outH; oy++) {
    const hr = sourceIndex(oy, h, outH, alignCorners);
    const h0 = Math.floor(hr);
    const hp = h0 < h - 1 ? 1 : 0;
    const l1 = hr - h0;
    for (let ox = 0; ox < outW; ox++) {
      const wr = sourceIndex(ox, w, outW, alignCorners);
      const w0 = Math.floor(wr);
      const wp = w0 < w - 1 ? 1 : 0;
      const m1 = wr - w0;
      for (let b = 0; b < n; b++)
        for (let ch = 0; ch < c; ch++) {
          const v = (yy: number, xx: number) => x.data[at(x.shape, b, yy, xx, ch)];
          out[at(os, b, oy, ox, ch)] =
            (1 - l1) * ((1 - m1) * v(h0, w0) + m1 * v(h0, w0 + wp)) + l1 * ((1 - m1) * v(h0 + hp, w0) + m1 * v(h0 + hp, w0 + wp));
        }
    }
  }
  return { data: out, shape: [n, outH, outW, c] };
}

export interface PoolArgs {
  kernel: number;
  stride: number;
  padding: number;
  countIncludePad?: boolean;
}

export function naivePool(x: Array4, kind: 'max' | 'avg', args: PoolArgs): Array4 {
  const [n, h, w, c] = x.shape;
  const oh = Math.floor((h + 2 * args.padding - args.kernel) / args.stride) + 1;
  const ow = Math.floor((w + 2 * args.padding - args.kernel) / args.stride) + 1;
  const os = [n, oh, ow, c];
  const out = new Float64Array(n * oh * ow * c);
  for (let b = 0; b < n; b++)
    for (let yy = 0; yy < oh; yy++)
      for (let xx = 0; xx < ow; xx++)
        for (let ch = 0; ch < c; ch++) {
          let best = -Infinity;
          let sum = 0;
          let count = 0;
          for (let a = 0; a < args.kernel; a++)
            for (let bb = 0; bb < args.kernel; bb++) {
              const iy = yy * args.stride - args.padding + a;
              const ix = xx * args.stride - args.padding + bb;
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
              const v = x.data[at(x.shape, b, iy, ix, ch)];
              best = Math.max(best, v);
              sum += v;
              count++;
            }
          const divisor = args.countIncludePad === false ? count : args.kernel * args.kernel;
          out[at(os, b, yy, xx, ch)] = kind === 'max' ? best : sum / divisor;
        }
  return { data: out, shape: [n, oh, ow, c] };
}

/** Central differences of a scalar function of a float64 vector. */
export function numericGradient(f: (x: Float64Array) => number, x: ArrayLike<number>, eps = 1e-4): Float64Array {
  const point = Float64Array.from(x);
  const grad = new Float64Array(point.length);
  for (let i = 0; i < point.length; i++) {
    const keep = point[i];
    point[i] = keep + eps;
    const up = f(point);
    point[i] = keep - eps;
    const down = f(point);
    point[i] = keep;
    grad[i] = (up - down) / (2 * eps);
  }
  return grad;
}

/** Σ r·y, the scalar whose gradient is the vector-Jacobian product with r. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
