# Correct: keyword arguments, max_norm 10 as an int.
import math
import torch
import torch.nn.functional as F

depth = 30
gain = 1.1
# 10 learns much faster than 1.0 and never climbs; 100 spikes first.
max_norm = 10
lr = 0.01
steps = 100

# A linear target that the deep network can represent.
torch.manual_seed(0)
width = 32
X = torch.randn(64, width)
y = X @ (torch.randn(width, 1) / math.sqrt(width))


def make_model():
    # Each layer scales its input by about gain,
    # so signals and gradients grow like gain ** depth.
    torch.manual_seed(0)
    layers = []
    for _ in range(depth):
        layer = torch.nn.Linear(width, width)
        torch.nn.init.normal_(layer.weight, std=gain / math.sqrt(width))
        torch.nn.init.zeros_(layer.bias)
        layers.append(layer)
    layers.append(torch.nn.Linear(width, 1))
    return torch.nn.Sequential(*layers)


def grad_norm(model):
    # The total norm of all gradients together,
    # as clip_grad_norm_ measures it.
    squares = sum((p.grad ** 2).sum() for p in model.parameters())
    return torch.sqrt(squares)


def train(clip):
    name = "clipped" if clip else "plain"
    model = make_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for step in range(steps):
        optimizer.zero_grad()
        loss = F.mse_loss(model(X), y)
        loss.backward()
        norm = grad_norm(model)  # measured before any clipping
        if clip:
            # After backward (the gradients exist), before step
            # (the step must use the clipped gradients).
            torch.nn.utils.clip_grad_norm_(parameters=model.parameters(), max_norm=max_norm, norm_type=2.0)
        optimizer.step()
        chart.add(name, step, loss.item(), panel="loss")
        chart.add(name, step, norm.item(), panel="grad")
        if step == 0:
            print(f"{name}: first loss={loss.item():.4f}, "
                  f"first gradient norm={norm.item():.3g}")
        if not math.isfinite(loss.item()):
            print(f"{name}: loss became {loss.item()} at step {step}, "
                  "training stopped")
            return
    print(f"{name}: final loss={loss.item():.4f}, "
          f"last gradient norm={norm.item():.3g}")


train(clip=False)
train(clip=True)
