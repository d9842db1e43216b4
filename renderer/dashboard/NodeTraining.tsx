/**
 * What training adds to a node card on the canvas: a highlight on nodes
 * whose output is pictured while a run goes (brighter for the picture the
 * user points at in the dashboard), a red ring on the node a failed run
 * named, and the node's latest picture when the pointer rests on it.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import { useTrainingState } from '../services/context';
import { isActive, type TrainingState } from './store';
import { formatInteger } from './series';

/** The CSS classes training puts on a node card ('' for most nodes most of the time). */
export function nodeTrainingClass(state: TrainingState, nodeId: string): string {
  const classes: string[] = [];
  const live = state.live;
  if (live?.phase === 'failed' && live.error?.nodeId === nodeId) classes.push('tw-train-culprit');
  if (state.pointedNode === nodeId) classes.push('tw-train-pointed');
  else if (isActive(live) && live!.previews?.images.some((p) => p.nodeId === nodeId)) classes.push('tw-train-pictured');
  return classes.join(' ');
}

export function useNodeTrainingClass(nodeId: string): string {
  return useTrainingState((s) => nodeTrainingClass(s, nodeId));
}

/**
 * The newest pictures of the node's outputs (the live run's, else those of
 * the run being viewed), shown beside the card while the pointer rests on it.
 * Drawn in a layer over the whole window, so a node at the canvas's edge
 * still shows its picture whole.
 */
export function NodePreviewPeek({ nodeId }: { nodeId: string }) {
  const frame = useTrainingState((s) => (s.view.kind === 'run' ? (s.opened[s.view.runId]?.previews ?? null) : (s.live?.previews ?? null)));
  const pictures = useMemo(() => frame?.images.filter((p) => p.nodeId === nodeId) ?? [], [frame, nodeId]);
  const anchor = useRef<HTMLSpanElement>(null);
  const [box, setBox] = useState<DOMRect | null>(null);
  const hasPictures = pictures.length > 0;

  useEffect(() => {
    const card = anchor.current?.parentElement;
    if (!card || !hasPictures) return;
    const enter = () => setBox(card.getBoundingClientRect());
    const leave = () => setBox(null);
    card.addEventListener('pointerenter', enter);
    card.addEventListener('pointerleave', leave);
    card.addEventListener('pointerdown', leave);
    return () => {
      card.removeEventListener('pointerenter', enter);
      card.removeEventListener('pointerleave', leave);
      card.removeEventListener('pointerdown', leave);
      setBox(null);
    };
  }, [hasPictures]);

  if (!hasPictures) return null;
  const above = box ? box.top > PEEK_HEIGHT + 16 : true;
  const left = box ? Math.min(Math.max(8, box.left + box.width / 2), window.innerWidth - 8) : 0;
  return (
    <span ref={anchor} className="tw-node-peek-anchor">
      {box &&
        createPortal(
          <div
            className={`tw-node-peek ${above ? 'above' : 'below'}`}
            style={{ left, top: above ? box.top - 10 : box.bottom + 10 }}
            data-testid={`node-peek-${nodeId}`}
            aria-hidden
          >
            {pictures.map((p) => (
              <figure key={p.port}>
                <img src={p.src} width={p.width} height={p.height} alt="" />
                <figcaption>
                  {nodeId}.{p.port} · step {formatInteger(frame!.step)}
                </figcaption>
              </figure>
            ))}
          </div>,
          document.body,
        )}
    </span>
  );
}

/** Room a peek needs above a card before it goes below instead. */
const PEEK_HEIGHT = 120;
