# FasterAPI developer entry points.  `make run` and `make test` are all you need.
SHELL := /bin/bash
VENV  := $(CURDIR)/.venv
VPY   := $(VENV)/bin/python
HOST  ?= $(or $(FASTERAPI_HOST),127.0.0.1)
PORT  ?= $(or $(FASTERAPI_PORT),8000)

export PATH := $(HOME)/.cargo/bin:$(PATH)

.PHONY: setup run test lint test-rust test-python bench scaling clean-venv

setup:
	@bash scripts/setup

run: setup
	cd $(CURDIR) && $(VENV)/bin/fasterapi run examples.hello:app --host $(HOST) --port $(PORT)

# Rust tests link libpython from the venv's base interpreter, which may live in a
# prefix that is not on the loader path (scripts/build-python): add its LIBDIR.
test: setup
	@$(MAKE) --no-print-directory lint test-rust test-python

# Formatting and lints are part of the tests (rustfmt.toml, clippy with warnings as errors).
lint:
	cargo fmt --all --check
	PYO3_PYTHON=$(VPY) cargo clippy --release --workspace --all-targets -- -D warnings

test-rust:
	PYO3_PYTHON=$(VPY) \
	LD_LIBRARY_PATH="$$($(VPY) -c 'import sysconfig; print(sysconfig.get_config_var("LIBDIR"))')$${LD_LIBRARY_PATH:+:$$LD_LIBRARY_PATH}" \
	cargo test --release --workspace

test-python:
	$(VPY) -m pytest -q tests

bench: setup
	@bash scripts/bench

scaling: setup
	@bash scripts/scaling

clean-venv:
	rm -rf .venv .bench-venv
