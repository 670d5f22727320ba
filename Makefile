# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
QC := $(BIN)/qualcode
# The demo's threshold for accepting suggestions automatically (see README, "The demo").
DEMO_MIN_SCORE ?= 0.4
# The CPU build of torch for the semantic extra, installed before it: the default build
# would bring about 3 GB of GPU libraries that a CPU never uses.
TORCH ?= torch==2.13.0

.PHONY: demo test test-setup typecheck bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "qualcode needs Python 3.11 or newer (set PYTHON=python3.11)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# --no-compile: Python compiles a module when it is first imported; compiling every file of
# torch and transformers up front was two thirds of the install (101 s -> 35 s here).
PIP := $(BIN)/python -m pip install -q --no-compile

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) '$(TORCH)'
	$(PIP) -e '.[test,semantic]'
	$(PIP) --no-deps 'irrCAC==0.4.4'  # its scipy==1.12.0 pin would downgrade scipy and numpy
	@touch $@

# One study end to end: init, ingest, participants, codebook, suggest, automatic accept,
# suggest again (a bulk accept is not learned from, so nothing changes), reports.
# $(1) output folder  $(2) transcripts  $(3) participants file  $(4) codebook
# $(5) sources file: each session's site and group (a person's attributes are in $(3))
define study
	@rm -rf $(1)/demo.db $(1)/demo.db-wal $(1)/demo.db-shm && mkdir -p $(1)
	$(QC) --db $(1)/demo.db init
	$(QC) --db $(1)/demo.db ingest $(2)
	$(QC) --db $(1)/demo.db participants import $(3)
	$(QC) --db $(1)/demo.db sources import $(5)
	$(QC) --db $(1)/demo.db codebook load $(4)
	$(QC) --db $(1)/demo.db suggest
	@echo "== Automatic demo step: accepting suggestions scoring >= $(DEMO_MIN_SCORE) as coder 'demo'."
	@echo "   A researcher would review them instead (qualcode accept / reject / code). =="
	$(QC) --db $(1)/demo.db --coder demo accept --min-score $(DEMO_MIN_SCORE)
	@echo "== suggest again: a bulk accept teaches it nothing (decisions in review do), so the other suggestions stay. =="
	$(QC) --db $(1)/demo.db suggest
	$(QC) --db $(1)/demo.db report themes --output $(1)/themes.md
	$(QC) --db $(1)/demo.db report themes --output $(1)/themes.csv
	$(QC) --db $(1)/demo.db report quotes --per-code 3 --output $(1)/quotes.md
endef

demo: $(VENV)/.installed
	$(call study,out,sample_transcripts/em_peer_support_fg1.txt sample_transcripts/em_peer_support_fg2.txt,sample_transcripts/participants_em.csv,codebooks/em_peer_support.yaml,sample_transcripts/sources_em.csv)
	$(QC) --db out/demo.db report themes
	$(QC) --db out/demo.db report matrix --by group --percent column
	$(QC) --db out/demo.db report html --output out/report.html
	$(QC) --db out/demo.db report docx --output out/report.docx
	$(call study,out/intervision,sample_transcripts/intervision_fg1.txt sample_transcripts/intervision_fg2.md,sample_transcripts/participants_intervision.csv,codebooks/intervision.yaml,sample_transcripts/sources_intervision.csv)
	$(call study,out/mentorship,sample_transcripts/mentorship_fg1.txt sample_transcripts/mentorship_fg2.txt,sample_transcripts/participants_mentorship.csv,codebooks/mentorship.yaml,sample_transcripts/sources_mentorship.csv)
	@echo "Reports: out/themes.md out/themes.csv out/quotes.md out/report.html out/report.docx (EM peer support),"
	@echo "and themes/quotes in out/intervision/ and out/mentorship/"

# Test workers: one per core (pytest-xdist); TEST_JOBS=0 runs the suite in one process.
TEST_JOBS ?= auto

# The browser test (tests/test_html_report.py) opens the HTML report in Debian's chromium:
# installed here, once, not inside a test run. Without root or apt-get that test skips.
test-setup: $(VENV)/.installed
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing chromium for the browser test (apt-get)"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null || \
	    echo "could not install chromium (offline?): the browser test will skip"; \
	  else \
	    echo "chromium is not installed and cannot be here (needs root and apt-get): the browser test will skip"; \
	  fi; \
	fi

test: test-setup
	$(BIN)/python -m pytest -q -n $(TEST_JOBS)
	$(BIN)/python -m mypy

typecheck: $(VENV)/.installed
	$(BIN)/python -m mypy

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/throughput.py --words 1000000

clean:
	rm -rf $(VENV) out benchmarks/_work
