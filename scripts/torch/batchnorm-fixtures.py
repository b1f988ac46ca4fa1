#!/usr/bin/env python3
"""PyTorch reference values for the engine's batchNorm and normalize layers.

Writes test/engine/fixtures/torch-batchnorm.json, which test/engine/torch-fixtures.test.ts compares
the engine with (CI needs no Python). Run from the repository root with Debian's python3-torch
(1.13): `/usr/bin/python3 scripts/torch/batchnorm-fixtures.py`. Re-running reproduces the file byte
for byte: every value comes from seeded generators, and the reference runs in float64 on one thread.

Each case is a model spec as the engine takes it and the same network in PyTorch (a ModuleList named
`layers`, one module per spec layer, so the state_dict names are the engine's export names), NCHW
inside. Initial weights are float32 values (the engine stores float32) drawn from a seeded
generator; batchNorm's weight and bias are drawn too, away from their 1/0 start. A case records:
- `initial`: the state_dict to start from (PyTorch layout);
- `first`: on the first batch in training mode, the output, the loss and every parameter's gradient;
- per optimizer, after `steps` training steps over consecutive batches (no shuffling): the state_dict
  (parameters and buffers, num_batches_tracked included) and the eval-mode outputs for all samples.

The trap the issue warns about: a gradient that is mathematically zero (a bias right before a
batchNorm) is float32 noise, which Adam turns into steps of about lr/10. So the cases that train have
no bias before a batchNorm (useBias false, as is usual practice); the `mlp-bias` case keeps the bias
and only compares gradients, where the engine must give ~0 for it too.
"""

import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)
OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'engine', 'fixtures', 'torch-batchnorm.json')
NORMALIZE_EPSILON = 1e-7


class Normalize(nn.Module):
    """The engine's normalize: (x - mean) / sqrt(variance + 1e-7) per channel, population statistics of the training samples."""

    def __init__(self, channels):
        super().__init__()
        self.register_buffer('mean', torch.zeros(channels))
        self.register_buffer('variance', torch.ones(channels))

    def adapt(self, x):  # x: NCHW or NC
        dims = [0] + list(range(2, x.dim()))
        self.mean.copy_(x.mean(dim=dims))
        self.variance.copy_(x.var(dim=dims, unbiased=False))

    def forward(self, x):
        shape = [1, -1] + [1] * (x.dim() - 2)
        return (x - self.mean.view(shape)) / torch.sqrt(self.variance.view(shape) + NORMALIZE_EPSILON)


ACT = {'linear': lambda x: x, 'tanh': torch.tanh, 'relu': F.relu}


class Net(nn.Module):
    """The spec's layers in PyTorch; only what the cases use (conv2d with stride 1 and symmetric padding)."""

    def __init__(self, spec):
        super().__init__()
        self.spec, self.layers = spec, nn.ModuleList()
        shape = list(spec['input'])  # engine shape, channels last
        for l in spec['layers']:
            t = l['type']
            if t == 'dense':
                self.layers.append(nn.Linear(shape[0], l['units'], bias=l.get('useBias', True)))
                shape = [l['units']]
            elif t == 'conv2d':
                k, pad = l['kernelSize'], {'valid': 0, 'same': (l['kernelSize'] - 1) // 2}[l.get('padding', 'valid')]
                self.layers.append(nn.Conv2d(shape[2], l['filters'], k, padding=pad, bias=l.get('useBias', True)))
                shape = [shape[0] + 2 * pad - k + 1, shape[1] + 2 * pad - k + 1, l['filters']]
            elif t == 'batchNorm':
                bn = nn.BatchNorm1d if len(shape) == 1 else nn.BatchNorm2d
                self.layers.append(bn(shape[-1], eps=l.get('epsilon', 1e-5), momentum=l.get('momentum', 0.1)))
            elif t == 'normalize':
                self.layers.append(Normalize(shape[-1]))
            elif t == 'flatten':
                self.layers.append(nn.Flatten())
                shape = [math.prod(shape)]
            else:  # activation
                self.layers.append(nn.Identity())

    def forward(self, x):
        for l, m in zip(self.spec['layers'], self.layers):
            x = m(x)
            if l['type'] in ('dense', 'conv2d', 'activation') and l.get('activation', 'linear') != 'softmax':
                x = ACT[l.get('activation', 'linear')](x)
        return x  # logits when the last layer is a softmax (the loss takes them)


def to_torch_input(spec, x):
    return x.permute(0, 3, 1, 2) if len(spec['input']) == 3 else x


def loss_of(spec, out, targets):
    if spec['loss'] == 'mse':
        return F.mse_loss(out, targets)
    return F.cross_entropy(out, targets)


def outputs_of(spec, out):
    return F.softmax(out, dim=1) if spec['layers'][-1].get('activation') == 'softmax' else out


def tensor_json(t):
    t = t.detach()
    if t.dtype == torch.int64:
        return {'shape': list(t.shape), 'data': [int(v) for v in t.flatten().tolist()]}
    return {'shape': list(t.shape), 'data': t.flatten().tolist()}


def state_json(net):
    return {name: tensor_json(t) for name, t in net.state_dict().items()}


def initial_state(net, seed):
    """Random float32 values (then held in float64) for every parameter: batchNorm's weight in [0.5, 1.5),
    other weights in [-1, 1)/sqrt(fan in), biases in [-0.5, 0.5). Buffers keep their start (0, 1, 0)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in net.named_parameters():
            u = torch.rand(p.shape, generator=g, dtype=torch.float32)
            is_bn = isinstance(net.layers[int(name.split('.')[1])], nn.modules.batchnorm._BatchNorm)
            if name.endswith('bias'):
                value = u - 0.5
            elif is_bn:
                value = u + 0.5
            else:
                value = (u * 2 - 1) / math.sqrt(p[0].numel())
            p.copy_(value.double())  # computed in float32: exactly what the engine stores
    return {k: v.clone() for k, v in net.state_dict().items()}


OPTIMIZERS = {
    'sgd': ({'type': 'sgd', 'learningRate': 0.1, 'momentum': 0.9, 'weightDecay': 0.01},
            lambda params: torch.optim.SGD(params, lr=0.1, momentum=0.9, weight_decay=0.01)),
    'adam': ({'type': 'adam', 'learningRate': 0.01},
             lambda params: torch.optim.Adam(params, lr=0.01)),
}


def make_case(name, spec, count, batch, steps, seed, train=True):
    g = torch.Generator().manual_seed(seed)
    x = (torch.rand([count] + spec['input'], generator=g, dtype=torch.float32) * 4 - 1).double()
    if spec['loss'] == 'mse':
        out_size = spec['layers'][-1]['units']
        targets = (torch.rand([count, out_size], generator=g, dtype=torch.float32) * 2 - 1).double()
        targets_json = {'values': targets.flatten().tolist()}
    else:
        classes = spec['layers'][-1]['units']
        targets = torch.arange(count) % classes
        targets_json = {'labels': targets.tolist()}
    net = Net(spec)
    initial = initial_state(net, seed + 1)
    tx = to_torch_input(spec, x)

    def adapt(n):
        for m in n.layers:
            if isinstance(m, Normalize):
                m.adapt(tx[: steps * batch])  # the training samples: the batches trained on

    case = {'name': name, 'spec': spec, 'count': count, 'batchSize': batch, 'steps': steps,
            'inputs': x.flatten().tolist(), **targets_json,
            'initial': {k: tensor_json(v) for k, v in initial.items()}}

    # First batch, training mode: output, loss, gradients (normalize adapted first, as a new job does).
    adapt(net)
    net.train()
    out = net(tx[:batch])
    loss = loss_of(spec, out, targets[:batch])
    net.zero_grad()
    loss.backward()
    case['first'] = {'outputs': outputs_of(spec, out).flatten().tolist(), 'loss': loss.item(),
                     'grads': {n: tensor_json(p.grad) for n, p in net.named_parameters()}}
    if not train:
        return case

    case['trained'] = {}
    for opt_name, (config, make) in OPTIMIZERS.items():
        net = Net(spec)
        net.load_state_dict(initial)
        adapt(net)
        opt = make(net.parameters())
        net.train()
        for s in range(steps):
            opt.zero_grad()
            loss_of(spec, net(tx[s * batch:(s + 1) * batch]), targets[s * batch:(s + 1) * batch]).backward()
            opt.step()
        net.eval()
        with torch.no_grad():
            predictions = outputs_of(spec, net(tx))
        case['trained'][opt_name] = {'optimizer': config, 'state': state_json(net), 'predictions': predictions.flatten().tolist()}
    return case


CASES = [
    make_case('mlp', {'input': [4], 'layers': [
        {'type': 'dense', 'units': 6, 'useBias': False}, {'type': 'batchNorm'},
        {'type': 'activation', 'activation': 'tanh'}, {'type': 'dense', 'units': 3}], 'loss': 'mse'},
        count=24, batch=8, steps=3, seed=10),
    # The trap: the bias before the batchNorm has a gradient that is exactly 0 in exact arithmetic.
    make_case('mlp-bias', {'input': [4], 'layers': [
        {'type': 'dense', 'units': 5}, {'type': 'batchNorm', 'momentum': 0.3},
        {'type': 'activation', 'activation': 'tanh'}, {'type': 'dense', 'units': 2}], 'loss': 'mse'},
        count=6, batch=6, steps=1, seed=20, train=False),
    # Over channels, then over the features of a flatten (PyTorch's (c, h, w) order), softmax classifier.
    make_case('cnn', {'input': [5, 4, 2], 'layers': [
        {'type': 'conv2d', 'filters': 3, 'kernelSize': 3, 'padding': 'same', 'useBias': False},
        {'type': 'batchNorm', 'momentum': 0.2, 'epsilon': 0.001},
        {'type': 'activation', 'activation': 'tanh'}, {'type': 'flatten'}, {'type': 'batchNorm'},
        {'type': 'dense', 'units': 3, 'activation': 'softmax'}], 'loss': 'categoricalCrossentropy'},
        count=18, batch=6, steps=3, seed=30),
    make_case('normalize-image', {'input': [3, 3, 2], 'layers': [
        {'type': 'normalize'}, {'type': 'conv2d', 'filters': 2, 'kernelSize': 2},
        {'type': 'activation', 'activation': 'tanh'}, {'type': 'flatten'}, {'type': 'dense', 'units': 2}], 'loss': 'mse'},
        count=12, batch=4, steps=3, seed=40),
    make_case('normalize-flat', {'input': [5], 'layers': [
        {'type': 'normalize'}, {'type': 'dense', 'units': 3, 'activation': 'softmax'}], 'loss': 'categoricalCrossentropy'},
        count=15, batch=5, steps=3, seed=50),
]

if __name__ == '__main__':
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        json.dump({'generator': 'scripts/torch/batchnorm-fixtures.py', 'torch': torch.__version__.split('+')[0], 'cases': CASES}, f, separators=(',', ':'))
        f.write('\n')
    print(f'wrote {os.path.relpath(OUT)}: {len(CASES)} cases')
