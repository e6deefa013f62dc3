# Two commands do all the set-up on a fresh machine with Python 3.11 and make:
#   make demo   creates .venv, installs, evaluates the shipped LoRe policy and every baseline
#   make test   creates .venv, installs, runs the test suite
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# where pip finds torch: empty = the configured index; e.g. TORCH_INDEX=https://download.pytorch.org/whl/cpu
TORCH_INDEX ?=
DEMO_POLICIES ?= NoSignal Random MostClick MostHistoryClick Reweight PMMF FairRec LoRe LoRe+PMMF LoRe+FairRec

.PHONY: demo test bench install clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0 $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX))
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

demo: install
	$(PY) -m recogym_eco.train.evaluation --preset default --seeds 5 --policies $(DEMO_POLICIES) --out results/demo

test: install
	$(PY) -m pytest -q

bench: install
	$(PY) benchmarks/bench_creator_suggestion.py

clean:
	rm -rf $(VENV) results/demo *.egg-info
