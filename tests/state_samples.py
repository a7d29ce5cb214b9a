"""`state` events as the runner sends them for 8.4's ravine (spec-16 §2), made
here in plain Python so that UI tests need no PyTorch: Adam's and SGD with
momentum's steps on 0.1 (w1 - 4)^2 + 2 (w2 - 1)^2 from (-4, -1.5)."""

from __future__ import annotations

import math


def gradient(w: list[float]) -> list[float]:
    return [0.2 * (w[0] - 4), 4 * (w[1] - 1)]


def adam_records(steps: int, lr: float = 0.3, betas=(0.9, 0.999), eps=1e-8, start=(-4.0, -1.5)) -> list[dict]:
    w, m, v, out = list(start), [0.0, 0.0], [0.0, 0.0], []
    for t in range(1, steps + 1):
        g = gradient(w)
        params = []
        for i, name in enumerate(("w1", "w2")):
            m[i] = betas[0] * m[i] + (1 - betas[0]) * g[i]
            v[i] = betas[1] * v[i] + (1 - betas[1]) * g[i] ** 2
            bias1, bias2 = 1 - betas[0] ** t, 1 - betas[1] ** t
            m_hat, v_hat = m[i] / bias1, v[i] / bias2
            delta = -lr * m_hat / (math.sqrt(v_hat) + eps)
            before = w[i]
            w[i] += delta
            state = {"step": float(t), "exp_avg": m[i], "exp_avg_sq": v[i]}
            formula = {"exp_avg": m[i], "exp_avg_sq": v[i], "m_hat": m_hat, "v_hat": v_hat, "bias1": bias1,
                       "bias2": bias2, "delta": delta}
            params.append({"name": name, "before": before, "after": w[i], "grad": g[i], "delta": delta,
                           "state": state, "formula": formula})
        out.append({"step": t, "lr": lr, "params": params})
    return out


def momentum_records(steps: int, lr: float = 0.05, momentum: float = 0.9, start=(-4.0, -1.5)) -> list[dict]:
    w, buf, out = list(start), [0.0, 0.0], []
    for t in range(1, steps + 1):
        g = gradient(w)
        params = []
        for i, name in enumerate(("w1", "w2")):
            buf[i] = g[i] if t == 1 else momentum * buf[i] + g[i]
            delta = -lr * buf[i]
            before = w[i]
            w[i] += delta
            params.append({"name": name, "before": before, "after": w[i], "grad": g[i], "delta": delta,
                           "state": {"momentum_buffer": buf[i]}, "formula": {"momentum_buffer": buf[i], "delta": delta}})
        out.append({"step": t, "lr": lr, "params": params})
    return out


ADAM = {"type": "Adam", "label": "Adam", "hyper": {"lr": 0.3, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.0}}
MOMENTUM = {"type": "SGD", "label": "SGD+Momentum",
            "hyper": {"lr": 0.05, "momentum": 0.9, "dampening": 0.0, "nesterov": False, "weight_decay": 0.0}}


def state_event(series: str, optimizer: dict, records: list[dict], panel: str | None = "ravine") -> dict:
    return {"event": "state", "panel": panel, "series": series, "optimizer": optimizer, "steps": records}
