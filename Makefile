# wirewatch: the two commands are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test install lint schemas clean help

help:
	@echo "make run        start the local Kafka broker and the worker, publish the samples, show results"
	@echo "make run ONCE=1 the same, exiting once the samples are processed"
	@echo "make test       install, start a test broker, run lint + type checks + the whole test suite"
	@echo "make lint       ruff + mypy only"
	@echo "make schemas    regenerate schemas/json from the models"

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing wirewatch and its dependencies into $(VENV) (first time: a few minutes; log: $(VENV)/install.log)"
	@$(BIN)/python -m pip install --upgrade pip > $(VENV)/install.log 2>&1 && \
	  $(BIN)/python -m pip install -e '.[dev]' >> $(VENV)/install.log 2>&1 || \
	  { tail -n 40 $(VENV)/install.log; echo "install failed: see $(VENV)/install.log" >&2; exit 1; }
	@touch $(STAMP)

run: install
	@scripts/run $(if $(ONCE),--once,)

test: install
	@scripts/test

lint: install
	$(BIN)/ruff check schemas streams agents tests bench scripts
	$(BIN)/mypy

schemas: install
	$(BIN)/python -m schemas.json_schema

clean:
	rm -rf .run .pytest_cache .mypy_cache .ruff_cache
