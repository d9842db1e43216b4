"""Runs an exported package against the batches and weights a parity test wrote, and writes back what
PyTorch computed. Called by test/core/export/pytorch.test.ts:

    python3 parity.py <package dir> <work dir>

work dir holds weights.safetensors (the exported state_dict), batches.safetensors ("<step>/<field>",
channels-last), case.json ({steps, images: [image fields]}). It receives forward.safetensors (every node
output in eval mode, channels-last), roundtrip.safetensors (the state_dict after load_state_dict),
trained.safetensors (after the training steps) and steps.json (each step's losses).
"""
import json
import os
import sys

import torch

package, work = sys.argv[1], sys.argv[2]
sys.path.insert(0, package)
torch.set_num_threads(1)

from model import Model  # noqa: E402
from train import Trainer  # noqa: E402
from weights import load_safetensors, save_safetensors  # noqa: E402

with open(os.path.join(work, 'case.json')) as f:
    case = json.load(f)
raw = load_safetensors(os.path.join(work, 'batches.safetensors'))
batches = [{} for _ in range(case['steps'])]
for key, value in raw.items():
    step, field = key.split('/', 1)
    batches[int(step)][field] = value.permute(0, 3, 1, 2).contiguous() if field in case['images'] else value

model = Model()
model.load_state_dict(load_safetensors(os.path.join(work, 'weights.safetensors')))
save_safetensors(model.state_dict(), os.path.join(work, 'roundtrip.safetensors'))


def channels_last(t):
    return t.permute(0, 2, 3, 1) if t.dim() == 4 else t


model.eval()
with torch.no_grad():
    outputs = model(batches[0])
save_safetensors({k: channels_last(v).float() for k, v in outputs.items()}, os.path.join(work, 'forward.safetensors'))

trainer = Trainer(model)
steps = [trainer.step(batch, k) for k, batch in enumerate(batches)]
save_safetensors(model.state_dict(), os.path.join(work, 'trained.safetensors'))
with open(os.path.join(work, 'steps.json'), 'w') as f:
    json.dump(steps, f)
