# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
QC := $(BIN)/qualcode
# The demo's threshold for accepting suggestions automatically (see README, "The demo").
DEMO_MIN_SCORE ?= 0.6
DEMO_DB := out/demo.db
DEMO_CODEBOOK := codebooks/em_peer_support.yaml

.PHONY: demo test typecheck bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "qualcode needs Python 3.11 or newer (set PYTHON=python3.11)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $@

demo: $(VENV)/.installed
	@mkdir -p out
	@rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(QC) --db $(DEMO_DB) init
	$(QC) --db $(DEMO_DB) ingest sample_transcripts/*.txt sample_transcripts/*.md
	$(QC) --db $(DEMO_DB) participants import sample_transcripts/participants.csv
	$(QC) --db $(DEMO_DB) codebook load $(DEMO_CODEBOOK)
	$(QC) --db $(DEMO_DB) suggest
	@echo "== Automatic demo step: accepting every suggestion scoring >= $(DEMO_MIN_SCORE) as coder 'demo' (a researcher would review them: qualcode accept/reject/code) =="
	$(QC) --db $(DEMO_DB) --coder demo accept --min-score $(DEMO_MIN_SCORE)
	$(QC) --db $(DEMO_DB) report themes
	$(QC) --db $(DEMO_DB) report themes --output out/themes.md
	$(QC) --db $(DEMO_DB) report themes --output out/themes.csv
	$(QC) --db $(DEMO_DB) report quotes --per-code 3 --output out/quotes.md
	@echo "Reports written to out/: themes.md themes.csv quotes.md (project: $(DEMO_DB))"

test: $(VENV)/.installed
	$(BIN)/python -m pytest -q
	$(BIN)/python -m mypy

typecheck: $(VENV)/.installed
	$(BIN)/python -m mypy

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/throughput.py --words 1000000

clean:
	rm -rf $(VENV) out benchmarks/_work
