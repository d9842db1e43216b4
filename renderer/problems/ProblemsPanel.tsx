/**
 * Every problem of the graph, errors first. Clicking one selects its node
 * and brings it into view.
 */
import type { Problem } from '../../core/graph/problems';
import { useEditor, useServices, useUi } from '../services/context';
import { useRevealNode } from '../services/view';

export function ProblemsPanel() {
  const { ui } = useServices();
  const revealNode = useRevealNode();
  const analysis = useEditor((s) => s.analysis);
  const open = useUi((s) => s.problemsOpen);
  const problems = [...analysis.problems].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));

  const reveal = (problem: Problem) => {
    if (problem.nodeId) revealNode(problem.nodeId);
  };

  return (
    <section className={`tw-problems${open ? ' open' : ''}`} aria-label="Problems" data-testid="problems-panel">
      <button className="tw-problems-header" onClick={() => ui.setState({ problemsOpen: !open })} aria-expanded={open}>
        <span>{open ? '▾' : '▸'} Problems</span>
        <span className={`tw-pill ${analysis.errorCount ? 'error' : 'ok'}`} data-testid="error-count">
          {analysis.errorCount} error{analysis.errorCount === 1 ? '' : 's'}
        </span>
        {analysis.warningCount > 0 && (
          <span className="tw-pill warning">
            {analysis.warningCount} warning{analysis.warningCount === 1 ? '' : 's'}
          </span>
        )}
      </button>
      {open && (
        <ul className="tw-problems-list">
          {problems.length === 0 && <li className="tw-empty">No problems: shapes check out from the dataset to every loss.</li>}
          {problems.map((p, i) => (
            <li
              key={i}
              className={`${p.severity}${p.nodeId ? ' clickable' : ''}`}
              onClick={() => reveal(p)}
              data-node={p.nodeId}
              data-code={p.code}
              title={p.nodeId ? 'Click to select the node' : undefined}
            >
              <span className={`tw-sev ${p.severity}`}>{p.severity === 'error' ? '●' : '▲'}</span>
              {p.nodeId && <span className="tw-problem-node">{p.nodeId}</span>}
              <span className="tw-problem-message">{p.message}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
