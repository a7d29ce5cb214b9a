# Wrong: the sum over the batch, not the mean.
# expect: not the sum
# expect: my_mse gives
import torch
import torch.nn.functional as F

torch.manual_seed(0)
batch = 8
classes = 3

# A batch of made-up regression predictions and their targets.
pred = torch.randn(batch)
target = torch.randn(batch)
# A batch of made-up classifier scores (logits) and the true classes.
logits = torch.randn(batch, classes)
labels = torch.randint(0, classes, (batch,))


def my_mse(pred, target):
    return ((pred - target) ** 2).sum()


def my_cross_entropy(logits, labels):
    # -log softmax(z)[y] = logsumexp(z) - z[y]: no probability
    # is ever formed, so large logits cannot underflow to 0.
    true_logit = logits[torch.arange(len(labels)), labels]
    return (torch.logsumexp(logits, dim=1) - true_logit).mean()


checks = [
    ("MSE", my_mse(pred, target), F.mse_loss(pred, target)),
    ("CrossEntropy", my_cross_entropy(logits, labels),
     F.cross_entropy(logits, labels)),
]
for name, mine, ref in checks:
    ok = torch.allclose(mine, ref, atol=1e-5)
    print(f"{name}: yours={mine.item():.4f}  torch={ref.item():.4f}  "
          f"match={ok}")

# Move the inputs step by step and draw both versions of each loss.
for i in range(25):
    shift = -3 + 0.25 * i
    shifted = pred + shift
    chart.add("mine", shift, my_mse(shifted, target), panel="mse")
    chart.add("torch", shift, F.mse_loss(shifted, target), panel="mse")
    # Raise only the logit of the true class.
    boosted = logits + shift * F.one_hot(labels, classes)
    ce_mine = my_cross_entropy(boosted, labels)
    ce_torch = F.cross_entropy(boosted, labels)
    chart.add("mine", shift, ce_mine, panel="ce")
    chart.add("torch", shift, ce_torch, panel="ce")
