"""Trains the exported model as Tensorweave does: each optimizer, in the graph's order, minimises its weighted
losses with respect to its own modules only; values it does not differentiate are computed once per step and
reused detached by later optimizers.

    python3 train.py --data data                        # one process (CPU or one GPU)
    torchrun --nproc_per_node=N train.py --data data    # data parallel: N processes, gradients averaged

Written by `tensorweave export pytorch`; the constants and objective functions below come from the graph.
"""
import argparse
import json
import os
import time

import torch
import torch.distributed as dist
import torch.nn.functional as F  # noqa: F401 (the objectives below use it)

import losses  # noqa: F401

from data import make_dataset
from model import Model, batch_norm_frozen_stats  # noqa: F401 (objectives use it)
from weights import load_safetensors, save_safetensors

# @generated@


def learning_rate(spec, step):
    """The rate of the update at `step` (0-based): Tensorweave's schedules and warm-up."""
    s = spec['schedule']
    if s['type'] == 'step':
        factor = s['gamma'] ** (step // s['stepSize'])
    elif s['type'] == 'linear':
        factor = 1 - max(0, step - s['constantSteps']) / (s['decaySteps'] + 1)
    else:
        factor = 1.0
    factor = max(0.0, factor)
    warmup = spec.get('warmup')
    if warmup and step < warmup['steps']:
        alpha = step / warmup['steps']
        factor *= warmup['startFactor'] * (1 - alpha) + alpha
    return spec['lr'] * factor


def make_optimizer(spec, params):
    if spec['type'] == 'adam':
        return torch.optim.Adam(params, lr=spec['lr'], betas=tuple(spec['betas']), eps=spec['eps'], weight_decay=spec['weight_decay'])
    return torch.optim.SGD(params, lr=spec['lr'], momentum=spec['momentum'], nesterov=spec['nesterov'], weight_decay=spec['weight_decay'])


class Trainer:
    """The model with its optimizers; `step` runs one iteration on one batch."""

    def __init__(self, model):
        self.model = model
        self.optimizers = []
        for spec in OPTIMIZERS:
            params = [p for m in spec['modules'] for p in getattr(model, MODULES[m]).parameters() if p.requires_grad]
            self.optimizers.append(make_optimizer(spec, params))

    def step(self, batch, step):
        """One iteration; returns {losses, totals, lr} as Tensorweave logs them."""
        self.model.train()
        distributed = dist.is_available() and dist.is_initialized()
        shared = {}
        result = {'losses': {}, 'totals': {}, 'lr': {}}
        for spec, optimizer, objective in zip(OPTIMIZERS, self.optimizers, OBJECTIVES):
            self.model.zero_grad(set_to_none=True)
            total, losses = objective(self.model, batch, shared)
            total.backward()
            if distributed:
                world = dist.get_world_size()
                for group in optimizer.param_groups:
                    for p in group['params']:
                        if p.grad is not None:
                            dist.all_reduce(p.grad)
                            p.grad /= world
            rate = learning_rate(spec, step)
            for group in optimizer.param_groups:
                group['lr'] = rate
            optimizer.step()
            values = torch.stack([total.detach()] + [v.detach() for v in losses.values()])
            if distributed:
                dist.all_reduce(values)
                values /= dist.get_world_size()
            values = values.tolist()
            result['totals'][spec['id']] = values[0]
            result['losses'].update(zip(losses.keys(), values[1:]))
            result['lr'][spec['id']] = rate
        if MONITOR is not None:
            watched = MONITOR(self.model, batch, shared)
            values = torch.stack([v.detach() for v in watched.values()])
            if distributed:
                dist.all_reduce(values)
                values /= dist.get_world_size()
            result['losses'].update(zip(watched.keys(), values.tolist()))
        return result


def main():
    parser = argparse.ArgumentParser(description=f'Train {GRAPH_NAME} (exported from Tensorweave).')
    parser.add_argument('--data', help='folder of samples from `tensorweave export-data`, or the dataset folder')
    parser.add_argument('--steps', type=int, default=TRAINING['steps'])
    parser.add_argument('--batch-size', type=int, default=TRAINING['batch_size'], help='per process')
    parser.add_argument('--seed', type=int, default=TRAINING['seed'])
    parser.add_argument('--log-every', type=int, default=TRAINING['log_every'])
    parser.add_argument('--checkpoint-every', type=int, default=TRAINING['checkpoint_every'], help='0: only at the end')
    parser.add_argument('--weights', help='model.safetensors to start from (a Tensorweave checkpoint exported with --weights)')
    parser.add_argument('--out', default='run', help='run folder: events.jsonl, checkpoints/, model.safetensors')
    parser.add_argument('--sync-bn', action='store_true', help='SyncBatchNorm across processes (GPU only)')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    args = parser.parse_args()

    world = int(os.environ.get('WORLD_SIZE', '1'))
    rank = int(os.environ.get('RANK', '0'))
    device = torch.device(args.device)
    if world > 1:
        dist.init_process_group('nccl' if device.type == 'cuda' else 'gloo')
        if device.type == 'cuda':
            device = torch.device('cuda', int(os.environ.get('LOCAL_RANK', '0')))
            torch.cuda.set_device(device)
    torch.manual_seed(args.seed)

    model = Model().to(device)
    if args.weights:
        model.load_state_dict({k: v.to(device) for k, v in load_safetensors(args.weights).items()})
    if world > 1:
        # Every process starts from rank 0's weights.
        for tensor in list(model.parameters()) + list(model.buffers()):
            dist.broadcast(tensor.data, 0)
        if args.sync_bn:
            model = torch.nn.SyncBatchNorm.convert_sync_batchnorm(model)
    trainer = Trainer(model)

    dataset = make_dataset(DATASET, args.data)
    sampler = torch.utils.data.distributed.DistributedSampler(dataset, seed=args.seed, drop_last=True) if world > 1 else None
    loader = torch.utils.data.DataLoader(dataset, batch_size=args.batch_size, shuffle=sampler is None, sampler=sampler, drop_last=True)

    if rank == 0:
        os.makedirs(os.path.join(args.out, 'checkpoints'), exist_ok=True)
        events = open(os.path.join(args.out, 'events.jsonl'), 'a')
    step, epoch = 0, 0
    window_start, window_steps = time.time(), 0
    while step < args.steps:
        if sampler is not None:
            sampler.set_epoch(epoch)
        for batch in loader:
            if step >= args.steps:
                break
            batch = {k: v.to(device) for k, v in batch.items()}
            result = trainer.step(batch, step)
            step += 1
            window_steps += 1
            if rank == 0 and (step % args.log_every == 0 or step == args.steps):
                elapsed = time.time() - window_start
                logged = {'step': step, 'time': time.time(), **result, 'stepsPerSec': window_steps / elapsed if elapsed > 0 else 0}
                events.write(json.dumps(logged) + '\n')
                events.flush()
                print(f"step {step}/{args.steps}  " + '  '.join(f'{k} {v:.4f}' for k, v in result['losses'].items()), flush=True)
                window_start, window_steps = time.time(), 0
            if rank == 0 and args.checkpoint_every and step % args.checkpoint_every == 0:
                save_checkpoint(args.out, step, model, trainer)
        epoch += 1
    if rank == 0:
        save_checkpoint(args.out, step, model, trainer)
        save_safetensors(model.state_dict(), os.path.join(args.out, 'model.safetensors'), {'format': 'pt', 'graph': GRAPH_NAME, 'step': step})
        events.close()
    if world > 1:
        dist.destroy_process_group()


def save_checkpoint(out, step, model, trainer):
    path = os.path.join(out, 'checkpoints', f'step-{step:07d}.pt')
    torch.save({'step': step, 'model': model.state_dict(), 'optimizers': [o.state_dict() for o in trainer.optimizers]}, path + '.tmp')
    os.replace(path + '.tmp', path)


if __name__ == '__main__':
    main()
