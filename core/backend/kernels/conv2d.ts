/**
 * Conv2D that runs low-resolution, many-channel convolutions as one matrix
 * product instead of an XNNPACK convolution.
 *
 * wasm's Conv2D creates an XNNPACK operator for every new filter and packs the
 * filter into it, ~18 ns per weight; weights change every training step, so a
 * 4x4x512x512 conv on a 4x4 map pays ~80 ms of packing for ~9 ms of
 * arithmetic. BatchMatMul packs its right operand at ~4 ns per value. So when
 * the filter is large next to the output, we gather the input patches
 * (im2col: rows are output pixels, columns are kh*kw*ci taps, in the filter's
 * HWIO order) and multiply by the filter viewed as [kh*kw*ci, co].
 */
import { tf } from '../../tf';
import { Intermediates, runBackendKernel, assertFloat32, computeValues, readValues, type BackendName, type TensorInfo } from './kernel-utils';

export type Conv2DStrategy = 'convolution' | 'matmul';

/**
 * Costs measured on wasm, in ns. Creating the XNNPACK operator transposes the
 * filter to OHWI and packs it: ~5 per weight while the filter stays in cache
 * or has few output channels, ~25 beyond. BatchMatMul packs its right operand
 * at ~3 per value. A patch value costs ~2 to gather, more for few input
 * channels, where the per-tap loop overhead is shared by fewer values. The
 * arithmetic runs at about the same rate either way.
 */
function convolutionSetupNs(filterSize: number, outChannels: number): number {
  return filterSize * (filterSize <= 1 << 16 || outChannels <= 16 ? 5 : 25);
}

function matMulSetupNs(filterSize: number, patchValues: number, inChannels: number): number {
  return 3 * filterSize + patchValues * (2 + 16 / inChannels);
}

export function chooseConv2DStrategy(conv: tf.backend_util.Conv2DInfo): Conv2DStrategy {
  const taps = conv.filterHeight * conv.filterWidth * conv.inChannels;
  const filterSize = taps * conv.outChannels;
  const pixels = conv.batchSize * conv.outHeight * conv.outWidth;
  const matmul = matMulSetupNs(filterSize, pixels * taps, conv.inChannels);
  return matmul < convolutionSetupNs(filterSize, conv.outChannels) ? 'matmul' : 'convolution';
}

/**
 * `convolutionKernel` returns the backend's own Conv2D (looked up when the
 * kernel runs, since this one replaces it in the registry). `strategy` forces
 * one path; tests compare both.
 */
export function makeConv2DKernel(backendName: BackendName, convolutionKernel: () => tf.KernelFunc, strategy?: Conv2DStrategy): tf.KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const { x, filter } = inputs as { x: TensorInfo; filter: TensorInfo };
    const { strides, pad, dataFormat, dilations, dimRoundingMode } = attrs as unknown as tf.Conv2DAttrs;
    if (dataFormat === 'NCHW' || x.dtype !== 'float32' || filter.dtype !== 'float32' || x.shape.length !== 4 || filter.shape.length !== 4) {
      return convolutionKernel()(args);
    }
    const conv = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      strides,
      dilations,
      pad,
      dimRoundingMode,
      false,
      'channelsLast',
    );
    const empty = conv.batchSize * conv.outHeight * conv.outWidth * conv.outChannels === 0;
    if (empty || (strategy ?? chooseConv2DStrategy(conv)) === 'convolution') {
      if (pad !== 'same') return convolutionKernel()(args);
      // XNNPACK's own 'same' mode returns zeros when the stride exceeds the
      // kernel (k2 s3, say); the same padding spelled out explicitly works.
      const { top, bottom, left, right } = conv.padInfo;
      const explicit: tf.backend_util.ExplicitPadding = [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ];
      return convolutionKernel()({ inputs, backend, attrs: { ...attrs, pad: explicit } as unknown as tf.NamedAttrMap });
    }
    assertFloat32(x, 'Conv2D', 'x');
    return convolutionByMatMul(backendName, backend as tf.KernelBackend, x, filter, conv);
  };
}

function convolutionByMatMul(
  backendName: BackendName,
  backend: tf.KernelBackend,
  x: TensorInfo,
  filter: TensorInfo,
  conv: tf.backend_util.Conv2DInfo,
): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth } = conv;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth } = conv;
  const padTop = conv.padInfo.top;
  const padLeft = conv.padInfo.left;
  const pixels = batchSize * outHeight * outWidth;
  const taps = filterHeight * filterWidth * inChannels;

  const scope = new Intermediates(backend);
  try {
    const patchMatrix = scope.hold(
      computeValues(backend, [1, pixels, taps], 'float32', (patches) => {
        const input = readValues(backend, x) as Float32Array;
        let row = 0;
        for (let n = 0; n < batchSize; n++) {
          for (let oh = 0; oh < outHeight; oh++) {
            for (let ow = 0; ow < outWidth; ow++, row += taps) {
              for (let i = 0; i < filterHeight; i++) {
                const ih = oh * strideHeight + i * dilationHeight - padTop;
                if (ih < 0 || ih >= inHeight) continue;
                for (let j = 0; j < filterWidth; j++) {
                  const iw = ow * strideWidth + j * dilationWidth - padLeft;
                  if (iw < 0 || iw >= inWidth) continue;
                  const from = ((n * inHeight + ih) * inWidth + iw) * inChannels;
                  const to = row + (i * filterWidth + j) * inChannels;
                  for (let c = 0; c < inChannels; c++) patches[to + c] = input[from + c];
                }
              }
            }
          }
        }
      }),
    );
    const filterMatrix = scope.hold(runBackendKernel('Reshape', backendName, backend, { x: filter }, { shape: [1, taps, outChannels] }));
    const product = scope.hold(
      runBackendKernel('BatchMatMul', backendName, backend, { a: patchMatrix, b: filterMatrix }, { transposeA: false, transposeB: false }),
    );
    return runBackendKernel('Reshape', backendName, backend, { x: product }, { shape: [batchSize, outHeight, outWidth, outChannels] });
  } finally {
    scope.disposeAll();
  }
}
