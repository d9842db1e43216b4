"""Loss functions with Tensorweave's exact definitions (PyTorch's, plus its choices where PyTorch has none).

Written by `tensorweave export pytorch`; model.py calls these for the graph's loss nodes.
Feature maps are N x C x H x W, class scores on dim 1 as in PyTorch.
"""
import torch
import torch.nn.functional as F


def _reduce(per_element, reduction):
    return per_element.sum() if reduction == 'sum' else per_element.mean()


def l1_loss(input, target, reduction='mean'):
    """nn.L1Loss; `target` may be a tensor of the same shape or a constant."""
    return _reduce((input - target).abs(), reduction)


def mse_loss(input, target, reduction='mean'):
    """nn.MSELoss; a constant target gives the least-squares GAN loss."""
    return _reduce((input - target) ** 2, reduction)


def bce_with_logits(input, target, reduction='mean', pos_weight=1.0):
    """nn.BCEWithLogitsLoss with pos_weight, in PyTorch's stable form, so that any logit stays finite
    and small losses are not rounded to zero."""
    if not torch.is_tensor(target):
        target = torch.full_like(input, float(target))
    log_weight = 1 + (pos_weight - 1) * target
    loss = (1 - target) * input + log_weight * (torch.log1p(torch.exp(-input.abs())) + torch.clamp(-input, min=0))
    return _reduce(loss, reduction)


def _classes_last(x):
    return x.permute(0, 2, 3, 1) if x.dim() == 4 else x


def cross_entropy(input, target, weights=None, ignore_index=-1, reduction='mean'):
    """nn.CrossEntropyLoss over dim 1, with Tensorweave's rules: labels outside 0..C-1 (and ignore_index)
    count nowhere, and a batch with nothing left to count gives 0 rather than NaN. `target` holds class ids
    (input's shape without dim 1) or probabilities (input's shape)."""
    logits = _classes_last(input)
    classes = logits.shape[-1]
    log_probs = torch.log_softmax(logits.reshape(-1, classes), dim=1)
    w = None if weights is None else torch.tensor(weights, dtype=log_probs.dtype, device=log_probs.device)
    if target.dim() == input.dim():
        terms = _classes_last(target).reshape(-1, classes) * log_probs
        if w is not None:
            terms = terms * w
        return _reduce(-terms.sum(1), reduction)
    labels = target.reshape(-1).long()
    valid = (labels >= 0) & (labels < classes)
    if 0 <= ignore_index < classes:
        valid = valid & (labels != ignore_index)
    picked = log_probs.gather(1, labels.clamp(0, classes - 1).unsqueeze(1)).squeeze(1)
    sample_weights = valid.to(log_probs.dtype)
    if w is not None:
        sample_weights = sample_weights * w[labels.clamp(0, classes - 1)]
    total = -(sample_weights * picked).sum()
    if reduction == 'sum':
        return total
    return total / sample_weights.sum().clamp_min(1e-12)
