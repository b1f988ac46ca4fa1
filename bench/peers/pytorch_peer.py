#!/usr/bin/env python3
"""PyTorch (Debian's python3-torch, 1 thread) as a contender of `npm run bench` (bench/peers/pytorch.ts).

A long-lived process: it reads the digits once (float32 inputs then int32 labels, raw, from the file
named on the command line), then answers one JSON line per request on stdin,
{"workload": "mlpTrain", "seconds": 0.5}, with {"value": <figure>} in the workload's unit (or
{"error": "..."}). The models, batch sizes and optimizer are the ones bench/peers/harness.ts describes:
MLP 784-128-64-10 and CNN conv5x5x8 same-pool2-conv5x5x16 same-pool2-dense10, Adam lr 0.001,
cross-entropy (on the logits: PyTorch's own fused softmax + log-likelihood); inference includes the
softmax. Each measurement warms up once, then repeats for at least `seconds`, as harness.rate does.
"""
import json
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
torch.manual_seed(1)

raw = np.fromfile(sys.argv[1], dtype=np.uint8)
count = int(sys.argv[2])
inputs = torch.from_numpy(raw[: count * 784 * 4].view(np.float32).reshape(count, 784).copy())
labels = torch.from_numpy(raw[count * 784 * 4 : count * 784 * 4 + count * 4].view(np.int32).astype(np.int64))


def mlp():
    return nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))


def cnn():
    return nn.Sequential(
        nn.Conv2d(1, 8, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 7 * 7, 10),
    )


def shaped(x, image):
    return x.reshape(-1, 1, 28, 28) if image else x


def rate(step, units, seconds):
    step()
    done, start = 0, time.perf_counter()
    while True:
        step()
        done += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done * units / elapsed


def training(build, image, batch_size, batches, seconds):
    model = build()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    n = batch_size * batches
    xs = shaped(inputs[:n], image)
    ys = labels[:n]

    def epoch():  # one pass over `batches` shuffled batches, as ours runs fit() for one epoch
        order = torch.randperm(n)
        for b in range(batches):
            idx = order[b * batch_size : (b + 1) * batch_size]
            optimizer.zero_grad()
            loss = F.cross_entropy(model(xs[idx]), ys[idx])
            loss.backward()
            optimizer.step()

    return rate(epoch, n, seconds)


def inference(build, image, batch_size, n, seconds):
    model = build().eval()
    x = shaped(inputs[:n], image)

    def run():
        with torch.inference_mode():
            for start in range(0, n, batch_size):
                F.softmax(model(x[start : start + batch_size]), dim=1)

    return rate(run, n, seconds)


def gemm(seconds):
    a, b = torch.rand(512, 512) * 2 - 1, torch.rand(512, 512) * 2 - 1
    return rate(lambda: torch.mm(a, b), 2 * 512**3 / 1e9, seconds)


WORKLOADS = {
    "gemm": gemm,
    "mlpTrain": lambda s: training(mlp, False, 64, 16, s),
    "cnnTrain": lambda s: training(cnn, True, 32, 4, s),
    "mlpInfer": lambda s: inference(mlp, False, 1024, 4096, s),
    "cnnInfer": lambda s: inference(cnn, True, 256, 1024, s),
    "mlpLatency": lambda s: 1e6 / inference(mlp, False, 1, 1, s),
}

# Which BLAS torch's matrix products run on (Debian's build links libblas.so.3: the reference netlib
# BLAS, about 1 GFLOP/s, unless OpenBLAS provides it), reported next to the figures.
blas = sorted({line.split()[-1] for line in open("/proc/self/maps") if "blas" in line.lower() and ".so" in line})
print(json.dumps({"ready": torch.__version__, "threads": torch.get_num_threads(), "blas": blas}), flush=True)
for line in sys.stdin:
    request = json.loads(line)
    try:
        print(json.dumps({"value": WORKLOADS[request["workload"]](request["seconds"])}), flush=True)
    except Exception as error:  # reported in the table, the bench goes on
        print(json.dumps({"error": repr(error)}), flush=True)
