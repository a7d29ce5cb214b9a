"""`gradtour run ID --steps N`: every optimizer stops after N steps, the state of
each of those steps is printed as the state panel's table, and a bad N is a
usage error in the learner's language."""

from __future__ import annotations

import json
import re

import pytest
from rich.cells import cell_len

from tests.helpers import CJK, gradtour

pytest.importorskip("torch")

HEADER = re.compile(r"^(\S+) · step (\d+) · lr (\S+)$")
HEADER_ZH = re.compile(r"^(\S+) · 第 (\d+) 步 · 学习率 (\S+)$")


@pytest.mark.parametrize("value", ["0", "-1", "x", "2.5", "٣"])
def test_a_bad_step_count_is_a_usage_error(value):
    en = gradtour("run", "8.2", "--steps", value)
    assert en.returncode == 2
    assert f"not a whole number of at least 1: {value}" in en.stderr
    assert "Traceback" not in en.stderr and len(en.stderr.strip().splitlines()) == 1
    zh = gradtour("run", "8.2", "--steps", value, "--lang", "zh")
    assert zh.returncode == 2 and CJK.search(zh.stderr) and "Traceback" not in zh.stderr


def tables(stdout: str, header=HEADER) -> list[tuple[str, int]]:
    return [(m.group(1), int(m.group(2))) for line in stdout.splitlines() if (m := header.match(line))]


def test_every_optimizer_of_the_race_prints_exactly_its_first_steps():
    result = gradtour("run", "8.4", "--steps", "3", "--set", "racers=sgd,adam", timeout=300)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    seen = tables(out)
    # No optimizer goes past step 3 (some blocks step an optimizer only once or twice);
    # each one that reaches it is frozen there.
    assert seen and max(step for _, step in seen) == 3
    stopped = re.findall(r"^(\S+): stopped after step 3; its later steps change nothing\.$", out, re.M)
    assert sorted(stopped) == sorted(label for label, step in seen if step == 3)
    assert out.count("Every optimizer stops at step 3.") == 1
    # The demo's own lines from before the first freeze only: none claims 50 steps were run.
    assert "after 50 steps" not in out and "after 200 steps" not in out
    # The ravine's two racers, Adam read beside its formula on both weights.
    blocks = [block.splitlines() for block in out.split("\n\n")]
    adam = next(lines for lines in blocks
                if lines[0] == "Adam · step 1 · lr 0.3" and lines[1].split() == ["w1", "w2"])
    assert any(line.startswith("m_t") and line.count("✓") == 2 for line in adam)
    assert not any("≠" in line for line in out.splitlines() if not line.startswith("✓"))
    # Piped, the tables are laid out for 80 columns.
    assert all(cell_len(line) <= 76 for lines in blocks if HEADER.match(lines[0]) for line in lines)


def test_in_chinese_the_tables_are_chinese():
    result = gradtour("run", "8.2", "--steps", "2", "--lang", "zh", timeout=300)
    assert result.returncode == 0, result.stderr
    assert tables(result.stdout, HEADER_ZH) == [("SGD", 1), ("SGD", 2)]
    assert "g_t 梯度" in result.stdout and "每个优化器都在第 2 步停下" in result.stdout


def test_json_carries_the_state_and_the_optimizer_stays_frozen():
    result = gradtour("run", "8.2", "--steps", "2", "--json", timeout=300)
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    states = [e for e in events if e["event"] == "state"]
    assert [(e["panel"], e["series"]) for e in states] == [("bowl", "w")]
    assert [r["step"] for r in states[0]["steps"]] == [1, 2]
    (frozen,) = [e for e in events if e["event"] == "frozen"]
    assert frozen == {"event": "frozen", "optimizer": "SGD", "series": "w", "step": 2}
    # The bowl's path: the start, two steps, then the same point for the rest of the 30 steps.
    xs = [x for e in events if e["event"] == "points" and e["panel"] == "bowl" for x in e["xs"]]
    ys = [y for e in events if e["event"] == "points" and e["panel"] == "bowl" for y in e["ys"]]
    assert len(xs) == 31
    after = states[0]["steps"][1]["params"]
    assert all(x == pytest.approx(after[0]["after"]) and y == pytest.approx(after[1]["after"])
               for x, y in zip(xs[3:], ys[3:]))
    assert (xs[2], ys[2]) == (pytest.approx(after[0]["after"]), pytest.approx(after[1]["after"]))


def test_json_the_ravine_racers_record_exactly_three_steps_each():
    result = gradtour("run", "8.4", "--steps", "3", "--set", "racers=sgd,adam", "--json", timeout=300)
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    steps: dict[str, list[int]] = {}
    for event in events:
        if event["event"] == "state" and event["panel"] == "ravine":
            steps.setdefault(event["series"], []).extend(record["step"] for record in event["steps"])
    assert steps == {"sgd": [1, 2, 3], "adam": [1, 2, 3]}
    paths = {}
    for event in events:
        if event["event"] == "points" and event["panel"] == "ravine":
            paths.setdefault(event["series"], []).extend(zip(event["xs"], event["ys"]))
    # 50 steps drawn, all after the third at the third's point: frozen.
    for series in ("sgd", "adam"):
        assert len(paths[series]) == 50 and len(set(paths[series][2:])) == 1


def test_without_steps_a_watched_run_prints_no_state_tables():
    """`gradtour run 8.4` printed every watched step's table (14,000 lines)
    among the lesson's output: the tables are --steps' alone."""
    result = gradtour("run", "8.2", timeout=300)
    assert result.returncode == 0
    assert "step taken" not in result.stdout and "w_t" not in result.stdout
    assert "g_t" not in result.stdout
