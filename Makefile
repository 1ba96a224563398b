# Two commands on a fresh Debian machine, as root: `make run` and `make test`.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEB_PACKAGES := mmdebstrap espeak-ng sox ffmpeg graphviz postgresql chromium
STAMP_DEB := var/.deb-installed
STAMP_VENV := $(VENV)/.installed

.PHONY: run test bench setup deps venv sandbox-up sandbox-down clean

setup: $(STAMP_DEB) $(STAMP_VENV) prompts

$(STAMP_DEB):
	@mkdir -p var
	@missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
	@touch $@

$(STAMP_VENV): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	@$(BIN)/pip install -q --disable-pip-version-check -e '.[test]' 2>&1 | grep -v '^WARNING: Location' || true
	@$(BIN)/python -c 'import ivr, panoramisk, sqlalchemy, pydub, yaml, asterisk.agi'
	@touch $@

prompts: $(STAMP_VENV)
	@$(BIN)/ivr prompts synth >/dev/null

run: setup
	@$(BIN)/ivr sandbox up
	@$(BIN)/ivr data load ivr/data/sample.yaml
	@echo
	@echo "Asterisk 22 and the IVR controller are running. Ctrl-C stops both."
	@echo "  place a test call:   $(BIN)/ivr call --digits 1"
	@echo "  hear a balance:      $(BIN)/ivr call --digits 2 --caller-id 48600100200   (or account 10003, PIN 2468)"
	@echo "  see the call log:    $(BIN)/ivr calls list"
	@echo "  softphone (SIP):     sip:softphone@127.0.0.1:5060, password $$(cat var/sandbox/sip-password), dial any number"
	@echo
	@trap '$(BIN)/ivr sandbox down' EXIT; $(BIN)/ivr serve

# Two workers: the sandbox tests (one Asterisk, calls in real time) all on one of them,
# the rest on the other (tests/conftest.py groups them).
test: setup
	@$(BIN)/python -m pytest -q -n 2 --dist loadgroup --durations=25 tests

bench: setup
	@$(BIN)/python -m ivr.bench

# Two controllers and the sandbox Asterisk under 200 concurrent calls, then one controller
# SIGKILLed under load (ivr/bench/soak.py): about 2 minutes; var/bench/soak.json.
.PHONY: soak
soak: setup
	@$(BIN)/python -m ivr.bench.soak

sandbox-up: setup
	@$(BIN)/ivr sandbox up

sandbox-down:
	@$(BIN)/ivr sandbox down

clean:
	rm -rf $(VENV) var/.deb-installed
