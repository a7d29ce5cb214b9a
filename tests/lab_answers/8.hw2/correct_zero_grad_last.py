# Correct: gradients cleared after the step; best_lr written as 0.01, the letter in capitals.
import torch
import torch.nn.functional as F

lrs = [1e-5, 1e-4, 1e-3, 1e-2]
optimizer_name = "adam"
steps = 200

# Toy regression data: a noisy sine wave.
torch.manual_seed(0)
X = torch.linspace(-3, 3, 64).unsqueeze(1)
y = torch.sin(X) + 0.1 * torch.randn_like(X)


def make_model():
    # The same seed gives every run the same starting weights.
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Linear(1, 32),
        torch.nn.Tanh(),
        torch.nn.Linear(32, 1),
    )


def train(lr):
    model = make_model()
    optimizers = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD}
    optimizer_class = optimizers[optimizer_name]
    optimizer = optimizer_class(model.parameters(), lr=lr)
    losses = []
    for step in range(steps):
        loss = F.mse_loss(model(X), y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
    return losses


for lr in lrs:
    losses = train(lr)
    for step, value in enumerate(losses):
        chart.add(f"lr={lr:g}", step, value)
    print(f"LR={lr:g}: first loss={losses[0]:.4f}, "
          f"final loss={losses[-1]:.4f}")

# Question 1: which rate in lrs ends with the lowest loss?
# Write the rate as a number, for example best_lr = 1e-3.
# With Adam and 200 steps, lr=0.01 ends lowest.
best_lr = 0.01

# Question 2: why does the smallest rate barely move?
# Answer with one letter, for example why_smallest = "a".
# a: its gradient is zero, so there is no direction to follow
# b: its steps are tiny and add up to almost no change
# c: it diverged: its loss became inf or nan
# d: it overshoots the minimum and bounces back and forth
# e: it does move: its loss fell by 10% or more
# lr=1e-5 moves each weight by about 1e-5 per step: tiny steps.
why_smallest = "B"
