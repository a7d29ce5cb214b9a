"""Stand-ins for another machine, for the claims tests.

Another CPU (another SIMD path, another BLAS kernel, another thread count)
or a GPU adds the same numbers in another order, so a chaotic computation
(a long training, an argmin over epochs) drifts from the last bits on. A
relative nudge of 1e-6 to every random tensor a demo draws does to a run
what such a machine does: a quoted number that moves under it is not a
number every learner will see.

`nudged()` wraps torch's random constructors (and the in-place fills that
`nn.init` and `nn.Linear` use) so that each float tensor they make is
multiplied by 1 + rel·u, u uniform in [-1, 1) from a generator of its own:
the global RNG stream, and so every integer draw (labels, `randint`), is
exactly what the unnudged run sees.

Run as a script, it runs lessons the way one setting of the matrix says and
prints one JSON object: {lesson id: printed output}. Environment variables
that torch reads once at import (MKL_CBWR, ATEN_CPU_CAPABILITY) are the
caller's: set them on the subprocess.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import sys
from collections.abc import Iterator

#: torch functions that return a new random float tensor
_CONSTRUCTORS = ("randn", "rand", "randn_like", "rand_like", "normal")
#: Tensor methods that fill a tensor with random floats in place (nn.init)
_FILLS = ("uniform_", "normal_")


@contextlib.contextmanager
def nudged(seed: int, rel: float = 1e-6) -> Iterator[None]:
    import torch

    generator = torch.Generator().manual_seed(seed)
    rand = torch.rand  # the unwrapped one: the nudge's own noise is not nudged

    def nudge(tensor):
        if isinstance(tensor, torch.Tensor) and tensor.is_floating_point():
            noise = rand(tensor.shape, generator=generator, dtype=torch.float64) * 2 - 1
            with torch.no_grad():
                tensor.mul_((1 + rel * noise).to(tensor.dtype).to(tensor.device))
        return tensor

    def constructor(original):
        @functools.wraps(original)
        def wrapper(*args, **kwargs):
            return nudge(original(*args, **kwargs))
        return wrapper

    def fill(original):
        @functools.wraps(original)
        def wrapper(self, *args, **kwargs):
            original(self, *args, **kwargs)
            return nudge(self)
        return wrapper

    saved = [(torch, name, getattr(torch, name)) for name in _CONSTRUCTORS]
    saved += [(torch.Tensor, name, getattr(torch.Tensor, name)) for name in _FILLS]
    try:
        for owner, name, original in saved:
            setattr(owner, name, fill(original) if owner is torch.Tensor else constructor(original))
        yield
    finally:
        for owner, name, original in saved:
            setattr(owner, name, original)


def run_output(lesson_id: str, *, seed: int | None = None, threads: int = 1, device: str = "cpu") -> str:
    """The lesson's printed output, its random tensors nudged with `seed` (None: not nudged)."""
    from lessons.course import catalog
    from lessons.demos import runner

    events: list[dict] = []
    with _threads(threads), nudged(seed) if seed is not None else contextlib.nullcontext():
        status = runner.run_lesson(catalog.load(lesson_id), None, device, events.append)
    output = "\n".join(e["text"] for e in events if e["event"] == "out")
    if status != "ok":
        raise RuntimeError(f"{lesson_id} ended {status}:\n{output}\n{[e for e in events if e['event'] == 'error']}")
    return output


@contextlib.contextmanager
def _threads(count: int) -> Iterator[None]:
    """torch's intra-op threads for this run: the runner pins 1 on every start."""
    from lessons.demos import runner

    original = runner.import_torch

    def import_torch():
        torch = original()
        torch.set_num_threads(count)
        return torch

    runner.import_torch = import_torch
    try:
        yield
    finally:
        runner.import_torch = original
        original()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lessons", nargs="+")
    parser.add_argument("--seed", type=int, default=None, help="nudge random tensors with this seed")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)
    import torch

    outputs = {lesson_id: run_output(lesson_id, seed=args.seed, threads=args.threads, device=args.device)
               for lesson_id in args.lessons}
    json.dump({"capability": torch.backends.cpu.get_cpu_capability(), "outputs": outputs}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
