"""One module per subcommand; each exposes ``register(subparsers)`` and ``run(args) -> int``.

``SUMMARIES`` is what ``vasr --help`` lists: a command's module (and what it imports: torch, OpenCV) is
loaded only when that command runs or shows its own help, so ``vasr --help`` answers at once."""

SUMMARIES = {
    "synth": "generate the synthetic tracking dataset (LaSOT layout)",
    "baseline": "annotate with a baseline (linear interpolation between keyframes)",
    "evaluate": "score annotation sets against ground truth (mIoU, Acc@0.5, Acc@0.7, AUC, labour saved)",
    "track": "track forward and backward between keyframes into the track cache (preliminary annotations)",
    "annotate": "dense boxes from sparse keyframe boxes: track, assess, select, flag failures (and refine)",
    "review": "open a run of vasr annotate in a browser: go through the frames to check, fix boxes, re-run",
}
