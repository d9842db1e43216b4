/**
 * The sample pictures the trainer renders at the preview interval: inputs,
 * predictions and targets on the same validation samples every time, so
 * they compare across steps. Pointing at a picture highlights the node that
 * produced it on the canvas; clicking selects that node. Masks and heatmaps
 * can be laid over the input image they were predicted from.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { GraphDocument } from '../../core/graph/schema';
import type { ValueType } from '../../core/types';
import { inferGraph } from '../../core/graph/infer';
import { useEditor } from '../services/context';
import { registries } from '../editor/catalog';
import { useRevealNode } from '../services/view';
import { useTraining } from './context';
import type { PreviewFrame, PreviewPicture } from './store';
import { formatInteger } from './series';

export type PictureRole = 'input' | 'target' | 'output';

/** Dataset fields wired into a loss's target are targets; other dataset fields are inputs; everything else is the network's output. */
export function pictureRole(doc: GraphDocument, picture: Pick<PreviewPicture, 'nodeId' | 'port'>): PictureRole {
  const node = doc.nodes.find((n) => n.id === picture.nodeId);
  if (!node || node.type !== 'input.dataset') return 'output';
  const feedsTarget = doc.edges.some((e) => e.from.node === picture.nodeId && e.from.port === picture.port && e.to.port === 'target');
  return feedsTarget ? 'target' : 'input';
}

const OVERLAY_KINDS = new Set(['labels', 'mask', 'heatmap']);

/**
 * Whether the trainer painted this output as a class map (core/train/preview.ts:
 * integer maps, and logits with 2 or more than 3 channels): such a picture can
 * be laid over the input it was predicted from. Heatmaps are added as light.
 */
export function overlayStyle(type: ValueType | undefined): 'classes' | 'heat' | undefined {
  if (!type) return undefined;
  if (type.kind === 'heatmap') return 'heat';
  if (OVERLAY_KINDS.has(type.kind) || type.dtype === 'int32') return 'classes';
  const channels = type.shape && type.shape.length === 4 ? type.shape[3] : undefined;
  return typeof channels === 'number' && (channels === 2 || channels > 3) ? 'classes' : undefined;
}
/** core/train/preview.ts paints class 0 in this colour. */
const BACKGROUND_CLASS_RGB = [20, 20, 28] as const;

export function Pictures({
  frame: latest,
  history = [],
  graph,
  live,
}: {
  frame: PreviewFrame | null;
  /** Earlier frames of the run, oldest first; a slider scrubs through them. */
  history?: readonly PreviewFrame[];
  graph: GraphDocument | undefined;
  live: boolean;
}) {
  const revealNode = useRevealNode();
  const current = useEditor((s) => s.doc);
  const currentInferred = useEditor((s) => s.analysis.inferred);
  // Roles and kinds come from the graph the run trained; the editor's may have changed since.
  const doc = graph ?? current;
  const inferred = useMemo(() => (graph && graph !== current ? inferGraph(graph, registries).nodes : currentInferred), [graph, current, currentInferred]);
  const pointAt = useTraining((s) => s.pointAt);
  const [overlay, setOverlay] = useState(true);
  // The step shown: null follows the newest pictures; a step chosen on the slider stays put while new ones arrive.
  const [chosenStep, setChosenStep] = useState<number | null>(null);
  const [enlarged, setEnlarged] = useState<string | null>(null);
  const chosenIndex = chosenStep === null ? -1 : history.findIndex((f) => f.step === chosenStep);
  const frame = chosenIndex >= 0 ? history[chosenIndex] : latest;
  const sliderIndex = chosenIndex >= 0 ? chosenIndex : history.length - 1;

  const pictures = useMemo(
    () => (frame?.images ?? []).map((p) => ({ ...p, role: pictureRole(doc, p), style: overlayStyle(inferred[p.nodeId]?.outputs[p.port] as ValueType | undefined) })),
    [frame, doc, inferred],
  );
  const base = pictures.find((p) => p.role === 'input' && !p.style);
  const overlayable = (p: (typeof pictures)[number]) => !!base && p !== base && p.width === base.width && p.height === base.height && !!p.style;
  const anyOverlay = pictures.some(overlayable);

  useEffect(() => () => pointAt(null), [pointAt]);

  return (
    <section className="tw-pictures" aria-label="Sample pictures" data-testid="pictures">
      <header className="tw-col-head">
        <span>Pictures</span>
        {frame && <span className="tw-faint" data-testid="pictures-step">step {formatInteger(frame.step)}</span>}
        {history.length > 1 && (
          <label className="tw-slider" title="Scrub back through earlier pictures; the right end follows the newest">
            <input
              type="range"
              min={0}
              max={history.length - 1}
              step={1}
              value={sliderIndex}
              onChange={(e) => {
                const index = Number(e.target.value);
                setChosenStep(index === history.length - 1 ? null : history[index].step);
              }}
              aria-label="Picture step"
              data-testid="pictures-slider"
            />
          </label>
        )}
        {anyOverlay && (
          <label className="tw-check" title="Lay masks and heatmaps over the input image">
            <input type="checkbox" checked={overlay} onChange={(e) => setOverlay(e.target.checked)} /> overlay
          </label>
        )}
      </header>
      {pictures.length === 0 ? (
        <p className="tw-empty-note">
          {live ? 'Pictures of inputs, predictions and targets appear at each preview interval.' : 'This run saved no pictures.'}
        </p>
      ) : (
        <ul className="tw-picture-list">
          {pictures.map((p) => (
            <li
              key={`${p.nodeId}.${p.port}`}
              className={`tw-picture ${p.role}`}
              data-node={p.nodeId}
              data-port={p.port}
              onMouseEnter={() => pointAt(p.nodeId)}
              onMouseLeave={() => pointAt(null)}
            >
              <div className="tw-picture-head">
                <span className={`tw-chip ${p.role}`}>{p.role}</span>
                <button className="tw-link tw-mono" onClick={() => revealNode(p.nodeId)} title={`Select node '${p.nodeId}' on the canvas`}>
                  {p.nodeId}.{p.port}
                </button>
                <span className="tw-faint">
                  {p.width}×{p.height}
                </span>
              </div>
              <button className="tw-picture-zoom" onClick={() => setEnlarged(`${p.nodeId}.${p.port}`)} title="Enlarge" aria-label={`Enlarge ${p.nodeId}.${p.port}`}>
                {overlay && base && overlayable(p) ? (
                  <OverlayPicture base={base} top={p} style={p.style!} />
                ) : (
                  <img src={p.src} width={p.width} height={p.height} alt={`${p.title} at step ${frame?.step}`} data-testid="preview-image" />
                )}
              </button>
            </li>
          ))}
        </ul>
      )}
      {enlarged && <Enlarged picture={pictures.find((p) => `${p.nodeId}.${p.port}` === enlarged)} step={frame?.step} onClose={() => setEnlarged(null)} />}
    </section>
  );
}

/** One picture filling most of the window, pixels kept sharp; Escape or a click closes it. */
function Enlarged({ picture, step, onClose }: { picture: PreviewPicture | undefined; step: number | undefined; onClose(): void }) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        onClose();
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [onClose]);
  if (!picture) return null;
  const scale = Math.max(1, Math.floor(Math.min((window.innerWidth * 0.85) / picture.width, (window.innerHeight * 0.8) / picture.height)));
  return (
    <div className="tw-picture-enlarged" role="dialog" aria-label={`${picture.nodeId}.${picture.port} enlarged`} onClick={onClose} data-testid="picture-enlarged">
      <figure>
        <img src={picture.src} width={picture.width * scale} height={picture.height * scale} alt={`${picture.title} at step ${step}`} />
        <figcaption>
          {picture.nodeId}.{picture.port} · step {step !== undefined ? formatInteger(step) : '?'} · {picture.width}×{picture.height}
        </figcaption>
      </figure>
    </div>
  );
}

/** The input image with a class map (background left clear) or a heatmap (added as light) drawn over it. */
function OverlayPicture({ base, top, style }: { base: PreviewPicture; top: PreviewPicture; style: 'classes' | 'heat' }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    let cancelled = false;
    const load = (src: string) =>
      new Promise<HTMLImageElement>((resolve, reject) => {
        const image = new Image();
        image.onload = () => resolve(image);
        image.onerror = () => reject(new Error('picture did not decode'));
        image.src = src;
      });
    void Promise.all([load(base.src), load(top.src)])
      .then(([under, over]) => {
        const element = canvas.current;
        const ctx = element?.getContext('2d');
        if (cancelled || !element || !ctx) return;
        const { width, height } = element;
        ctx.drawImage(under, 0, 0);
        if (style === 'heat') {
          ctx.globalAlpha = 0.7;
          ctx.globalCompositeOperation = 'lighter';
          ctx.drawImage(over, 0, 0);
          return;
        }
        const scratch = document.createElement('canvas');
        scratch.width = width;
        scratch.height = height;
        const sctx = scratch.getContext('2d')!;
        sctx.drawImage(over, 0, 0);
        const mask = sctx.getImageData(0, 0, width, height);
        const image = ctx.getImageData(0, 0, width, height);
        // The trainer paints class 0 (background) in its darkest palette colour; other classes tint the image.
        const [br, bg, bb] = BACKGROUND_CLASS_RGB;
        for (let i = 0; i < mask.data.length; i += 4) {
          const r = mask.data[i];
          const g = mask.data[i + 1];
          const b = mask.data[i + 2];
          if (Math.abs(r - br) + Math.abs(g - bg) + Math.abs(b - bb) < 12) continue;
          image.data[i] = Math.round(image.data[i] * 0.45 + r * 0.55);
          image.data[i + 1] = Math.round(image.data[i + 1] * 0.45 + g * 0.55);
          image.data[i + 2] = Math.round(image.data[i + 2] * 0.45 + b * 0.55);
        }
        ctx.putImageData(image, 0, 0);
      })
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, [base.src, top.src, style]);
  return <canvas ref={canvas} width={top.width} height={top.height} className="tw-overlay" data-testid="preview-image" aria-label={`${top.title} over ${base.title}`} />;
}
