# Every target creates and reuses .venv on its own, so a fresh clone needs nothing but python3 and make.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# Where the real benchmark sequences live (skipped cleanly when absent), and the two report-only clips.
REAL   ?= ../shared/data/real
HARD   ?= ../shared/data/hard
# NanoTrack's weights (third party, never downloaded): $VASR_NANOTRACK when you set it, else the shared copy
# when it is there. Without them the defaults fall back to the dcf trackers and say so.
NANOTRACK ?= ../shared/models/nanotrack
ifeq ($(origin VASR_NANOTRACK),undefined)
ifneq ($(wildcard $(NANOTRACK)/v2/*.onnx),)
export VASR_NANOTRACK := $(abspath $(NANOTRACK))
endif
endif
DATA_DIR ?= data/synth
DATA ?= default
# Each measured table in docs/ is rewritten by the target that measures it.
SPLICE = $(PY) docs/splice.py

.PHONY: help install test test-fast lint format demo synth evaluate-real baselines clean \
        bench-tracker bench-dcf-parts bench review-screenshot train shipped-weights train-tassess train-tassess-nanotrack ship-tassess ship-tassess-nanotrack train-vgrefine annotate labour-curve suggestion-ranking ablation-select ablation-refine ablation-temporal refine-diagnostics ablations \
        sweep-tassess sweep-vgrefine

help:  ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	# torch first and pinned: this disk holds the CPU wheel of exactly this release.
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[dev]'
	# albumentations drags in opencv-python-headless, which can shadow contrib's cv2 (CSRT/KCF live in contrib).
	$(PY) -c "import cv2; cv2.TrackerCSRT" 2>/dev/null || \
	  $(PY) -m pip install -q --force-reinstall --no-deps "$$($(PY) -m pip list --format=freeze | grep -i '^opencv-contrib-python-headless==')"
	touch $(STAMP)

install: $(STAMP)  ## create .venv with every dependency (offline-safe)

test: $(STAMP)  ## run the whole test suite
	$(PY) -m pytest -q

test-fast: $(STAMP)  ## tests without the slow ones
	$(PY) -m pytest -q -m "not slow"

lint: $(STAMP)  ## ruff
	$(VENV)/bin/ruff check vasr lightning_modules datamodules tests ablations benchmarks docs

format: $(STAMP)
	$(VENV)/bin/ruff format vasr lightning_modules datamodules tests ablations benchmarks docs

synth: $(STAMP)  ## write the embedded default dataset (LaSOT layout) to $(DATA_DIR)
	$(VENV)/bin/vasr synth --out $(DATA_DIR)

demo: synth  ## the main job on the default data: VASR annotation of the held-out half vs linear interpolation
	$(VENV)/bin/vasr annotate --root $(DATA_DIR) --fold 1 --out results/demo/vasr
	$(VENV)/bin/vasr baseline --root $(DATA_DIR) --fold 1 --out results/demo/linear
	$(VENV)/bin/vasr evaluate --root $(DATA_DIR) --fold 1 --pred vasr=results/demo/vasr/vasr linear=results/demo/linear

baselines: $(STAMP)  ## linear interpolation on the default data and on $(REAL) (docs/results.md)
	$(MAKE) synth
	$(VENV)/bin/vasr baseline --dataset lasot --root $(DATA_DIR) --out results/synth/linear
	$(VENV)/bin/vasr evaluate --dataset lasot --root $(DATA_DIR) --pred results/synth/linear --csv results/synth/linear.csv --markdown results/synth/linear.md
	$(SPLICE) docs/results.md baselines results/synth/linear.md
	@if [ -d "$(REAL)" ]; then \
	  $(VENV)/bin/vasr baseline --dataset otb --root $(REAL) --out results/real/linear && \
	  $(VENV)/bin/vasr evaluate --dataset otb --root $(REAL) --pred results/real/linear --csv results/real/linear.csv --markdown results/real/linear.md && \
	  $(SPLICE) docs/results.md baselines-real results/real/linear.md; \
	else echo "skipping real data: $(REAL) not found"; fi

bench-tracker: $(STAMP)  ## dcf presets, nanotrack v2/v3, CSRT, KCF and the ensemble's ceiling on $(REAL) (docs/trackers.md)
	$(PY) benchmarks/bench_tracker.py --root $(REAL) --nanotrack $(NANOTRACK)
	@if [ -f results/bench/tracker.md ]; then $(SPLICE) docs/trackers.md bench-tracker results/bench/tracker.md; fi
	$(PY) benchmarks/bench_nanotrack_runtime.py --weights $(NANOTRACK)
	@if [ -f results/bench/nanotrack-runtime.md ]; then $(SPLICE) docs/trackers.md nanotrack-runtime results/bench/nanotrack-runtime.md; fi

bench-dcf-parts: $(STAMP)  ## dcf-accurate with one part switched off at a time, beside dcf, on $(REAL) (docs/trackers.md)
	$(PY) benchmarks/bench_dcf_parts.py --root $(REAL)
	@if [ -f results/bench/dcf-parts.md ]; then $(SPLICE) docs/trackers.md dcf-parts results/bench/dcf-parts.md; fi

# Train on your own clips too: `make train OWN_DATA=/data/clips [OWN_DATASET=otb]` trains on the default data's
# fold 0 plus every sequence under OWN_DATA (any layout of --dataset), and validates on the default data's
# fold 1, which none of them is in.
OWN_DATA ?=
OWN_DATASET ?= otb
comma := ,
OWN_TRAIN = $(if $(OWN_DATA),'--data.init_args.train+={"dataset": "$(OWN_DATASET)"$(comma) "root": "$(OWN_DATA)"}')

train-tassess: $(STAMP)  ## train T-Assess on the default data (+ OWN_DATA; checkpoints in runs/tassess)
	$(VENV)/bin/vasr-train fit --config experiments/tassess.yaml --config experiments/trainer/cpu.yaml $(OWN_TRAIN)
	$(PY) -m vasr.cli.publish runs/tassess checkpoints/tassess.ckpt

train-vgrefine: $(STAMP)  ## train VG-Refine on the default data (+ OWN_DATA; checkpoints in runs/vgrefine)
	$(VENV)/bin/vasr-train fit --config experiments/vgrefine.yaml --config experiments/trainer/cpu.yaml $(OWN_TRAIN)
	$(PY) -m vasr.cli.publish runs/vgrefine checkpoints/vgrefine.ckpt

train: train-tassess $(if $(VASR_NANOTRACK),train-tassess-nanotrack) train-vgrefine  ## the models (with NanoTrack's weights, its T-Assess too); 'vasr annotate' finds them in checkpoints/

train-tassess-nanotrack: $(STAMP)  ## T-Assess on NanoTrack's tracks of the default data (needs its weights)
	$(VENV)/bin/vasr-train fit --config experiments/tassess.yaml --config experiments/tassess-nanotrack.yaml --config experiments/trainer/cpu.yaml $(OWN_TRAIN)
	$(PY) -m vasr.cli.publish runs/tassess-nanotrack checkpoints/tassess-nanotrack.ckpt

shipped-weights: ship-tassess ship-tassess-nanotrack  ## rebuild both T-Assess Nets shipped in the package (vasr/weights/)

ship-tassess: train-tassess  # for dcf-accurate's tracks (users without NanoTrack's weights, the ensemble's first member)
	$(PY) -m vasr.cli.publish --ship runs/tassess vasr/weights/tassess.ckpt experiments/tassess.yaml

ship-tassess-nanotrack: train-tassess-nanotrack  # for NanoTrack's tracks (the ensemble's second member)
	$(PY) -m vasr.cli.publish --ship runs/tassess-nanotrack vasr/weights/tassess-nanotrack.ckpt experiments/tassess.yaml experiments/tassess-nanotrack.yaml

annotate: $(STAMP)  ## the product on the default data: dense boxes, scores, flags, files (results/annotate)
	$(VENV)/bin/vasr annotate --out results/annotate

review-screenshot: $(STAMP) synth  ## the README's picture of the review page (docs/review-page.png; needs chromium)
	$(PY) docs/review_screenshot.py docs/review-page.png

bench: $(STAMP)  ## end-to-end annotation frames/s and a correction round on this CPU ($(REAL), else default data; docs/speed.md)
	@if [ -d "$(REAL)" ]; then $(PY) benchmarks/bench_annotate.py --root $(REAL); \
	else $(PY) benchmarks/bench_annotate.py; fi
	$(SPLICE) docs/speed.md bench results/bench/annotate.md

# W&B sweeps (experiments/sweeps/*.yaml). Without SWEEP_ID: create the sweep (needs `wandb login`, since a
# sweep lives on a W&B server). With SWEEP_ID=ENTITY/PROJECT/ID: run an agent here (as many as you like).
SWEEP_ID ?=
sweep-tassess: $(STAMP)  ## create the T-Assess W&B sweep; with SWEEP_ID=ENTITY/vasr/ID run an agent for it
sweep-vgrefine: $(STAMP)  ## create the VG-Refine W&B sweep; with SWEEP_ID=ENTITY/vasr/ID run an agent for it
sweep-tassess sweep-vgrefine:
	@if [ -n "$(SWEEP_ID)" ]; then \
	  PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/wandb agent $(SWEEP_ID); \
	else \
	  $(VENV)/bin/wandb sweep --project vasr experiments/sweeps/$(@:sweep-%=%).yaml || { \
	    echo "'wandb sweep' failed: a sweep is created on a W&B server, so log in first ('wandb login' or"; \
	    echo "WANDB_API_KEY) and check the network; WANDB_MODE=offline cannot create sweeps."; exit 1; }; \
	  echo "Start agents (from this directory, on any machine with this checkout):"; \
	  echo "  make $@ SWEEP_ID=<entity>/vasr/<sweep id>   (the id 'wandb sweep' printed above)"; \
	fi

# DATA picks the data of every ablation: default (the embedded data, fold 0 -> fold 1), real ($(REAL)),
# lasot (LASOT_ROOT, train split), got10k (GOT10K_ROOT, train split), trackingnet (TRACKINGNET_ROOT), or
# otb (OTB_ROOT: any OTB-style folder); all but default run the 2-fold cross-validation.
DATA_ARGS = $(strip \
  $(if $(filter real,$(DATA)),--dataset otb --root $(REAL)) \
  $(if $(filter lasot,$(DATA)),--dataset lasot --root $(LASOT_ROOT) --split train) \
  $(if $(filter got10k,$(DATA)),--dataset got10k --root $(GOT10K_ROOT) --split train) \
  $(if $(filter trackingnet,$(DATA)),--dataset trackingnet --root $(TRACKINGNET_ROOT)) \
  $(if $(filter otb,$(DATA)),--dataset otb --root $(OTB_ROOT)))
SUFFIX = $(if $(filter default,$(DATA)),,-$(DATA))
# With DATA=real, the ablation also reports the hard clips (annotated with fold 0's nets; chosen on nothing).
ALSO = $(if $(filter real,$(DATA)),$(if $(wildcard $(HARD)),--also $(HARD)))

ablation-select: $(STAMP)  ## Table 2: Fwd/Bwd/Sel/Sel-fail + baselines (ablations/select.yaml; DATA=real|lasot|...)
	$(PY) ablations/select_cv.py --config ablations/select.yaml $(DATA_ARGS) $(ALSO) --out results/ablation-select$(SUFFIX)
	$(SPLICE) docs/results.md ablation-select$(SUFFIX) results/ablation-select$(SUFFIX)/table.md

ablation-refine: $(STAMP)  ## Table 3: w/o-/V-/VI-/VG-Refine + baselines (ablations/refine.yaml; DATA=...)
	$(PY) ablations/refine.py --config ablations/refine.yaml $(DATA_ARGS) --out results/ablation-refine$(SUFFIX)
	$(SPLICE) docs/results.md ablation-refine$(SUFFIX) results/ablation-refine$(SUFFIX)/table.md

refine-diagnostics: $(STAMP)  ## what the refiner's keyframe adaptation costs against what it gives (ablations/refine_diagnostics.yaml; DATA=...)
	$(PY) ablations/refine_diagnostics.py --config ablations/refine_diagnostics.yaml $(DATA_ARGS) --out results/refine-diagnostics$(SUFFIX)
	$(SPLICE) docs/results.md refine-diagnostics$(SUFFIX) results/refine-diagnostics$(SUFFIX)/adaptation.md

ablation-temporal: $(STAMP)  ## Table 4: T-Assess with FC vs LSTM layers (ablations/temporal.yaml; DATA=...)
	$(PY) ablations/select_cv.py --config ablations/temporal.yaml $(DATA_ARGS) --out results/ablation-temporal$(SUFFIX)
	$(SPLICE) docs/results.md ablation-temporal$(SUFFIX) results/ablation-temporal$(SUFFIX)/table.md

labour-curve: $(STAMP)  ## accuracy vs share labelled by hand, intervals 10/15/30/60 (DATA=...)
	$(PY) ablations/labour_curve.py --config ablations/labour_curve.yaml $(DATA_ARGS) --out results/labour-curve$(SUFFIX)
	$(SPLICE) docs/results.md labour-curve$(SUFFIX) results/labour-curve$(SUFFIX)/curve.md
	@if [ -f docs/labour-curve$(SUFFIX).png ]; then cp results/labour-curve$(SUFFIX)/curve.png docs/labour-curve$(SUFFIX).png; fi

suggestion-ranking: $(STAMP)  ## the active loop per doubt source (vasr's, T-Assess's, disagreement, an oracle), 2 seeds (DATA=...)
	$(PY) ablations/suggestion_ranking.py --config ablations/suggestion_ranking.yaml $(DATA_ARGS) --out results/suggestion-ranking$(SUFFIX)
	$(SPLICE) docs/results.md suggestion-ranking$(SUFFIX) results/suggestion-ranking$(SUFFIX)/summary.md

ablations: ablation-select ablation-refine ablation-temporal labour-curve  ## every ablation (same DATA)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis *.egg-info
