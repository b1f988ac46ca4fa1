#!/usr/bin/python3
# PyTorch reference values for the engine's optimizers, learning-rate schedules and gradient
# clipping (test/engine/torch-optim.test.ts). Run with Debian's python3-torch (1.13):
#   /usr/bin/python3 scripts/torch/optim-fixtures.py > test/engine/fixtures/torch-optim.json
# Re-running it reproduces the committed file byte for byte: inputs, targets and initial weights
# are small dyadic fractions (exact in float32 and float64) and everything runs in float64 on one
# thread, so the comparison tests semantics, not rounding.
#
# The model is the engine spec {"input": [3], "layers": [dense 4 tanh, dense 2], "loss": "mse"}:
# smooth (no ReLU kinks) so that no gradient is mathematically zero (see issue 11's warning about
# float noise turned into steps by Adam and RMSprop). Parameters are written in the ENGINE layout:
# a dense weight as [inFeatures, units] (torch's weight transposed), row-major, flattened.

import json
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)

SPEC = {"input": [3], "layers": [{"type": "dense", "units": 4, "activation": "tanh"}, {"type": "dense", "units": 2}], "loss": "mse"}
INPUTS = [[((i * 7 + j * 3) % 11 - 5) / 8 for j in range(3)] for i in range(8)]
TARGETS = [[((i * 5 + k * 2) % 7 - 3) / 4 for k in range(2)] for i in range(8)]
BATCH_SIZE = 4


def initial_parameters():
    """Engine layout: layers.0.weight [3, 4], layers.0.bias [4], layers.1.weight [4, 2], layers.1.bias [2]."""
    return {
        "layers.0.weight": [((i * 5) % 13 - 6) / 16 for i in range(12)],
        "layers.0.bias": [(i - 1.5) / 32 for i in range(4)],
        "layers.1.weight": [((i * 3) % 7 - 3) / 8 for i in range(8)],
        "layers.1.bias": [0.125, -0.0625],
    }


def build():
    net = nn.ModuleList([nn.Linear(3, 4), nn.Linear(4, 2)])
    p = initial_parameters()
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor(p["layers.0.weight"]).reshape(3, 4).t())
        net[0].bias.copy_(torch.tensor(p["layers.0.bias"]))
        net[1].weight.copy_(torch.tensor(p["layers.1.weight"]).reshape(4, 2).t())
        net[1].bias.copy_(torch.tensor(p["layers.1.bias"]))
    return net


def engine_parameters(net):
    return {
        "layers.0.weight": net[0].weight.detach().t().reshape(-1).tolist(),
        "layers.0.bias": net[0].bias.detach().tolist(),
        "layers.1.weight": net[1].weight.detach().t().reshape(-1).tolist(),
        "layers.1.bias": net[1].bias.detach().tolist(),
    }


def optimizer_for(params, config):
    c = dict(config)
    kind = c.pop("type")
    lr = c.pop("learningRate")
    if kind == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=c.get("momentum", 0), nesterov=c.get("nesterov", False), weight_decay=c.get("weightDecay", 0))
    if kind == "adam":
        return torch.optim.Adam(params, lr=lr, betas=(c.get("beta1", 0.9), c.get("beta2", 0.999)), eps=c.get("epsilon", 1e-8), weight_decay=c.get("weightDecay", 0))
    if kind == "adamw":
        return torch.optim.AdamW(params, lr=lr, betas=(c.get("beta1", 0.9), c.get("beta2", 0.999)), eps=c.get("epsilon", 1e-8), weight_decay=c.get("weightDecay", 0.01))
    if kind == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=c.get("alpha", 0.99), eps=c.get("epsilon", 1e-8), momentum=c.get("momentum", 0),
                                   centered=c.get("centered", False), weight_decay=c.get("weightDecay", 0))
    raise ValueError(kind)


def scheduler_for(optimizer, config):
    if config is None:
        return None
    kind = config["type"]
    if kind == "step":
        return torch.optim.lr_scheduler.StepLR(optimizer, step_size=config["stepSize"], gamma=config.get("gamma", 0.1))
    if kind == "exponential":
        return torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=config["gamma"])
    if kind == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=config["tMax"], eta_min=config.get("etaMin", 0))
    if kind == "reduceOnPlateau":
        assert config["monitor"] == "loss"  # the epoch's mean training loss; no validation here
        return torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=config.get("factor", 0.1), patience=config.get("patience", 10),
                                                          min_lr=config.get("minLr", 0), threshold=1e-4, threshold_mode="rel", cooldown=0)
    raise ValueError(kind)


def run(case):
    net = build()
    params = list(net.parameters())
    optimizer = optimizer_for(params, case["optimizer"])
    scheduler = scheduler_for(optimizer, case.get("lrSchedule"))
    x_all, t_all = torch.tensor(INPUTS), torch.tensor(TARGETS)
    epochs = []
    for _ in range(case["epochs"]):
        rate = optimizer.param_groups[0]["lr"]
        loss_sum = 0.0
        for start in range(0, len(INPUTS), BATCH_SIZE):
            x, t = x_all[start:start + BATCH_SIZE], t_all[start:start + BATCH_SIZE]
            optimizer.zero_grad()
            loss = F.mse_loss(net[1](torch.tanh(net[0](x))), t)
            loss.backward()
            if case.get("clipGradNorm") is not None:
                torch.nn.utils.clip_grad_norm_(params, case["clipGradNorm"])
            optimizer.step()
            loss_sum += loss.item() * len(x)
        epoch_loss = loss_sum / len(INPUTS)
        if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
            scheduler.step(epoch_loss)
        elif scheduler is not None:
            scheduler.step()
        epochs.append({"learningRate": rate, "loss": epoch_loss, "parameters": engine_parameters(net)})
    return {**case, "epochs": epochs}


CASES = [
    {"name": "rmsprop defaults", "optimizer": {"type": "rmsprop", "learningRate": 0.01}, "epochs": 5},
    {"name": "rmsprop momentum", "optimizer": {"type": "rmsprop", "learningRate": 0.01, "momentum": 0.5}, "epochs": 5},
    {"name": "rmsprop centered", "optimizer": {"type": "rmsprop", "learningRate": 0.01, "centered": True, "alpha": 0.9}, "epochs": 5},
    {"name": "rmsprop centered, momentum, weight decay, epsilon", "optimizer": {"type": "rmsprop", "learningRate": 0.005, "centered": True, "momentum": 0.9, "weightDecay": 0.05, "epsilon": 0.001}, "epochs": 5},
    {"name": "adamw defaults (weight decay 0.01)", "optimizer": {"type": "adamw", "learningRate": 0.001}, "epochs": 5},
    {"name": "adamw strong decay, custom betas", "optimizer": {"type": "adamw", "learningRate": 0.02, "weightDecay": 0.5, "beta1": 0.8, "beta2": 0.95, "epsilon": 1e-6}, "epochs": 5},
    {"name": "sgd momentum with a step schedule", "optimizer": {"type": "sgd", "learningRate": 0.2, "momentum": 0.9}, "lrSchedule": {"type": "step", "stepSize": 2, "gamma": 0.5}, "epochs": 7},
    {"name": "adam with an exponential schedule", "optimizer": {"type": "adam", "learningRate": 0.05}, "lrSchedule": {"type": "exponential", "gamma": 0.7}, "epochs": 6},
    {"name": "adamw with a cosine schedule past tMax", "optimizer": {"type": "adamw", "learningRate": 0.05}, "lrSchedule": {"type": "cosine", "tMax": 3, "etaMin": 0.001}, "epochs": 9},
    {"name": "adam with reduceOnPlateau down to minLr", "optimizer": {"type": "adam", "learningRate": 0.3},
     "lrSchedule": {"type": "reduceOnPlateau", "monitor": "loss", "factor": 0.5, "patience": 0, "minLr": 0.05}, "epochs": 12},
    {"name": "sgd with clipGradNorm", "optimizer": {"type": "sgd", "learningRate": 0.1}, "clipGradNorm": 0.25, "epochs": 4},
    {"name": "adamw with clipGradNorm (clipped before the decay)", "optimizer": {"type": "adamw", "learningRate": 0.05, "weightDecay": 0.2}, "clipGradNorm": 0.1, "epochs": 4},
    {"name": "rmsprop centered with clipGradNorm and a step schedule", "optimizer": {"type": "rmsprop", "learningRate": 0.02, "centered": True},
     "lrSchedule": {"type": "step", "stepSize": 1, "gamma": 0.8}, "clipGradNorm": 0.5, "epochs": 4},
]

if __name__ == "__main__":
    results = [run(case) for case in CASES]
    plateau = next(r for r in results if r.get("lrSchedule", {}).get("type") == "reduceOnPlateau")
    rates = [e["learningRate"] for e in plateau["epochs"]]
    assert len(set(rates)) >= 3, f"the plateau case should reduce the rate at least twice, rates {rates}"
    json.dump({"torch": torch.__version__.split("+")[0], "spec": SPEC, "inputs": INPUTS, "targets": TARGETS, "batchSize": BATCH_SIZE,
               "initialParameters": initial_parameters(), "cases": results}, sys.stdout, indent=1)
    sys.stdout.write("\n")
