"""The homework labs: which pages are labs (`registry`, re-exported here), the
pages and their checks side by side (`pages/`: 8.hwN.md and hwN.py), what the
checks share (`checks`), the learner's workspace files, the sandbox that runs
their code, and `gradtour check`.
"""

from lessons.labs.registry import LAB_IDS, Lab, apply_solution, get, is_lab, lab_filename

__all__ = ["LAB_IDS", "Lab", "apply_solution", "get", "is_lab", "lab_filename"]
