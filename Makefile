# The verbs a newcomer looks for. Every target builds the virtual environments it needs, from pinned files.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The Lambda runtime is python3.13, so the project's environment and `sam build` use it too.
# pyenv shims only answer when PYENV_VERSION names a version, so installed interpreters are tried directly.
PYTHON313 ?= $(shell for p in python3.13 $$HOME/.pyenv/versions/3.13*/bin/python3.13 /usr/local/bin/python3.13 /usr/bin/python3.13; do \
	"$$p" -c 'import sys; assert sys.version_info[:2] == (3, 13)' >/dev/null 2>&1 && { command -v "$$p"; exit 0; }; done)
# Without python3.13 the project still runs and tests on python3 (3.11 or newer); only `sam build` needs 3.13.
BASE_PYTHON := $(or $(PYTHON313),$(shell command -v python3))

# Python caches bytecode in the environments and the (ignored) __pycache__ folders as it does by
# default, even where the caller's environment turns that off: otherwise each of the many Python
# processes a test run starts compiles everything it imports again.
unexport PYTHONDONTWRITEBYTECODE

VENV := .venv
PY := $(VENV)/bin/python
SAM := .venv-sam/bin/sam
CHECKOV := .venv-checkov/bin/checkov
# The local API routes what `sam deploy` creates: aws-sam-translator (.venv-translator) translates the template.
TRANSLATOR := .venv-translator/.installed
PIP_FLAGS := --quiet --disable-pip-version-check
SAM_BUILD_ENV := PATH="$(dir $(PYTHON313)):$$PATH" SAM_CLI_TELEMETRY=0
# uv makes every Python environment here, each from its lock file (uv pip sync installs exactly
# the lock, in parallel, from uv's cache). uv itself is the one package pip installs, pinned.
UV := .tools/uv/bin/uv
UV_SYNC = $(UV) pip sync --quiet --python $(1)/bin/python
# Each install or build step that reaches a registry or another process's lock runs through scripts/step:
# quiet unless it fails, retried once when the failure looks transient, and a failure is one line naming it.
STEP := scripts/step
# AWS's Lambda Runtime Interface Emulator for this host, from the aws-sam-cli wheel pinned in requirements/sam.txt.
RIE := .tools/aws-lambda-rie
RIE_ARCH := $(if $(filter aarch64 arm64,$(shell uname -m)),arm64,x86_64)

.PHONY: help dev dev-built editor built test test-under-load test-fast lint checks build require-python313 build-samlocal sam-local test-sam-local bench load fuzz openapi deploy deploy-prod clean

# Each target's one line is the "## " comment on its rule; `make help` lists them from this file.
help: ## every target, one line each (this list)
	@awk -F':[^#]*## ' '/^[a-zA-Z0-9_-]+:[^=]*## /{printf "make %-17s %s\n", $$1, $$2}' $(firstword $(MAKEFILE_LIST))

$(UV): requirements/uv.txt
	@test -n "$(BASE_PYTHON)" || { echo "No python3 found" >&2; exit 1; }
	rm -rf .tools/uv && $(BASE_PYTHON) -m venv .tools/uv
	$(STEP) uv .tools/uv/bin/python -m pip install $(PIP_FLAGS) -r $<
	touch $@

# The project's environment: one lock file, requirements/dev.lock (requirements/dev.txt says what is wanted).
$(VENV)/.installed: requirements/dev.lock $(UV)
	@test -n "$(PYTHON313)" || echo "warning: python3.13 not found; using $(BASE_PYTHON). sam build will be skipped." >&2
	test -x $(PY) || $(UV) venv --quiet --python $(BASE_PYTHON) $(VENV)
	$(STEP) venv $(call UV_SYNC,$(VENV)) requirements/dev.lock
	touch $@

# aws-sam-cli and checkov pin their own dependencies, which conflict with ours and each other's:
# each has an environment of its own, from its own lock.
.venv-%/.installed: requirements/%.lock $(UV)
	test -x .venv-$*/bin/python || $(UV) venv --quiet --python $(BASE_PYTHON) .venv-$*
	$(STEP) venv-$* $(call UV_SYNC,.venv-$*) $<
	touch $@

# npm packages, pinned by requirements/npm/package-lock.json: AWS's DynamoDB Local (its jar ships in
# the package; Java 17 runs it). The package declares node >= 22 for its JavaScript wrapper, which
# we never run, so npm's engine warning on node 20 is expected.
NPM_TOOLS := .tools/npm/.installed
$(NPM_TOOLS): requirements/npm/package.json requirements/npm/package-lock.json
	mkdir -p .tools/npm
	cp requirements/npm/package.json requirements/npm/package-lock.json .tools/npm/
	$(STEP) npm-tools npm ci --prefix .tools/npm --no-audit --no-fund --loglevel=error
	touch $@

# The platform's real course editor (requirements/editor/: @selfcommunity/react-ui, React, esbuild),
# for `make editor` and tests/e2e/test_real_editor.py. Install scripts stay off: mui-color-input's
# preinstall refuses any client but pnpm, canvas's would compile a native module the bundle never
# uses, and esbuild's only checks the binary that its platform package already brings.
EDITOR_TOOLS := .tools/editor/.installed
$(EDITOR_TOOLS): requirements/editor/package.json requirements/editor/package-lock.json
	mkdir -p .tools/editor
	cp requirements/editor/package.json requirements/editor/package-lock.json .tools/editor/
	$(STEP) npm-editor npm ci --prefix .tools/editor --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

# Debian's chromium for the browser test (tests/e2e/test_browser_cors.py), driven by Playwright, pinned
# in requirements/dev.txt (its own browser download is not used). Debian replaces a chromium build with
# each security update, so this is Debian's current build rather than a pin.
# A fresh machine may be running apt already (unattended upgrades, an image's first boot): apt then waits
# for its locks, up to APT_LOCK_SECONDS, instead of refusing at once (DPkg::Lock::Timeout; both the
# package lists' lock and dpkg's honour it).
CHROMIUM := /usr/bin/chromium
APT_LOCK_SECONDS ?= 600
APT_GET := DEBIAN_FRONTEND=noninteractive apt-get -qq -o DPkg::Lock::Timeout=$(APT_LOCK_SECONDS)
$(CHROMIUM):
	@if [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then \
		echo "The browser test needs Debian's chromium: sudo apt-get install chromium" >&2; exit 1; fi
	$(STEP) chromium sh -c '$(APT_GET) update && $(APT_GET) install -y --no-install-recommends chromium'

# `localdev serve --built` runs what `sam build` ships: the function's build folder, the layer, and
# what the python3.13 runtime provides (requirements/lambda-runtime.txt). The deployed layer is arm64;
# on another host the same recipe builds it for the host's platform tag (layers/runtime/Makefile):
# same pins, pruning and bytecode, only compiled extensions differ. The runtime's packages are
# installed with their bytecode: an environment cannot write any (Lambda's folders are read-only),
# so each cold start would compile botocore again.
HOST_ARCH := $(shell uname -m)
HOST_LAYER := .aws-sam/host-layer
LAMBDA_RUNTIME := .tools/lambda-runtime/.installed
$(LAMBDA_RUNTIME): requirements/lambda-runtime.txt $(UV)
	@test -n "$(PYTHON313)" || { echo "python3.13 is needed for the Lambda runtime stand-in" >&2; exit 1; }
	rm -rf .tools/lambda-runtime
	$(STEP) lambda-runtime $(UV) pip install --quiet --python $(PYTHON313) --no-deps --only-binary :all: --compile-bytecode --target .tools/lambda-runtime -r $<
	touch $@

$(HOST_LAYER)/.built: layers/runtime/requirements.txt layers/runtime/Makefile
	@test -n "$(PYTHON313)" || { echo "python3.13 is needed to build the layer" >&2; exit 1; }
	rm -rf $(HOST_LAYER) && mkdir -p $(HOST_LAYER)
	$(STEP) host-layer $(MAKE) -s -C layers/runtime build-RuntimeLayer ARTIFACTS_DIR=$(abspath $(HOST_LAYER)) \
		LAYER_PLATFORM=manylinux2014_$(HOST_ARCH) PYTHON=$(PYTHON313)
	touch $@

# What the tests run as built. Without python3.13 there is nothing to build it with: the tests of the
# built artifacts then say so, and everything else still runs. `make build` and the deploys refuse instead.
built: .venv-sam/.installed $(RIE) ## sam build, the layer for this host and the Lambda runtime's packages (what dev-built runs)
	@if [ -z "$(PYTHON313)" ]; then echo "skipping sam build and the built artifacts: python3.13 is not installed" >&2; \
	else $(MAKE) -s build $(HOST_LAYER)/.built $(LAMBDA_RUNTIME) QUIET_BUILD=1; fi

dev-built: $(VENV)/.installed built $(TRANSLATOR) ## the same, running what sam build ships (function build, layers, Lambda runtime)
	$(PY) -m localdev serve --built --parameter-overrides "$(PARAMETER_OVERRIDES)"

# Only the one wheel is fetched (no dependencies): the emulator binary is all we take from it.
$(RIE): requirements/sam.txt $(UV)
	rm -rf .tools/sam-wheel
	$(STEP) emulator $(UV) pip install --quiet --python $(BASE_PYTHON) --no-deps --only-binary :all: --target .tools/sam-wheel -r requirements/sam.txt
	cp .tools/sam-wheel/samcli/local/rapid/aws-lambda-rie-$(RIE_ARCH) $@
	chmod +x $@
	rm -rf .tools/sam-wheel

# PARAMETER_OVERRIDES: template parameters, as sam's --parameter-overrides ('RoleSource=table').
dev: $(VENV)/.installed $(RIE) $(TRANSLATOR) ## the local API on 127.0.0.1:3000 and the embedded DynamoDB on 127.0.0.1:8000 (no Docker)
	$(PY) -m localdev serve --parameter-overrides "$(PARAMETER_OVERRIDES)"

# Start `make dev` first: this serves the page and prints its URLs, each with a manager's token.
editor: $(VENV)/.installed $(EDITOR_TOOLS) ## the platform's course editor on http://localhost:5173, against the running make dev
	$(PY) -m localdev editor

# The one command that runs everything CI runs: every test on both cores (pytest-xdist), then the
# one that compares rates measured side by side, alone, adding to the same coverage figures.
# The static checks and the builds run side by side too: each is mostly one core's work.
test: $(VENV)/.installed $(RIE) $(NPM_TOOLS) $(TRANSLATOR) .venv-sam/.installed .venv-checkov/.installed $(CHROMIUM) ## everything CI runs: lint, static checks, sam build, every test tier, coverage gate
	$(MAKE) --no-print-directory -j2 lint checks built $(EDITOR_TOOLS)
	$(PY) -m pytest -n 2 --dist worksteal -m "not alone" --cov-report=
	$(PY) -m pytest -m alone --cov-append -q

# The e2e and integration tiers RUNS times in a row while LOAD CPU-bound processes keep the cores busy:
# no test may depend on the machine's speed (docs/testing.md). Run `make test` once first (it builds).
RUNS ?= 3
LOAD ?= 2
test-under-load: $(VENV)/.installed $(RIE) $(NPM_TOOLS) $(TRANSLATOR) $(CHROMIUM) $(EDITOR_TOOLS) ## the e2e and integration tiers RUNS times with LOAD busy processes (no test may depend on speed)
	@mkdir -p .localdev
	scripts/under-load $(RUNS) $(LOAD)

# The unit tests, for a quick loop while editing (make test runs every tier).
test-fast: $(VENV)/.installed $(TRANSLATOR) ## the unit tests only, for the edit loop
	$(PY) -m pytest tests/unit --no-cov -n 2 --dist worksteal -q

lint: $(VENV)/.installed ## ruff check and ruff format --check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The pipeline's files too: its workflow (actionlint, checkov) and its role template (cfn-lint, checkov).
checks: $(VENV)/.installed .venv-sam/.installed .venv-checkov/.installed ## cfn-lint, sam validate --lint, actionlint and checkov on the templates and the workflow
	.venv-sam/bin/cfn-lint template.yaml pipeline/deploy-role.yaml
	SAM_CLI_TELEMETRY=0 $(SAM) validate --lint --region us-east-1
	$(VENV)/bin/actionlint .github/workflows/*.yml
	$(CHECKOV) --quiet --compact --skip-download --framework cloudformation github_actions \
		-f template.yaml -f pipeline/deploy-role.yaml -f .github/workflows/deploy.yml

# sam build needs the runtime's exact Python on the PATH (no container here): without it, no build.
# With QUIET_BUILD (make built, make dev-built) it is a step (scripts/step): its output shows only if it fails.
build: .venv-sam/.installed require-python313 ## sam build (python3.13, arm64 wheels): what deploys
	@mkdir -p .aws-sam
	$(if $(QUIET_BUILD),$(STEP) sam-build )env $(SAM_BUILD_ENV) $(SAM) build --parallel

require-python313: ## refuse, with what to install, when the Lambda runtime's python3.13 is missing
	@test -n "$(PYTHON313)" || { echo "python3.13 is not installed: without the Lambda runtime's Python nothing can be built, so nothing is deployed. Install it (pyenv install 3.13.0) or put python3.13 on the PATH." >&2; exit 1; }

# The sam-local layer adds PyJWT. SAM's build cache keys a layer on its source folder only, so this
# build has build and cache folders of its own: a later deploy build can never reuse its output.
SAMLOCAL_DIR := .aws-sam/samlocal
build-samlocal: .venv-sam/.installed require-python313 ## the sam-local build (adds PyJWT), in .aws-sam/samlocal with a cache of its own
	$(if $(QUIET_BUILD),$(STEP) sam-local-build )env $(SAM_BUILD_ENV) LAYER_EXTRAS=samlocal $(SAM) build --build-dir $(SAMLOCAL_DIR)/build --cache-dir $(SAMLOCAL_DIR)/cache

# Needs a Docker engine (docker info). Starts the embedded DynamoDB where SAM CLI's containers reach it,
# then `sam local start-api` on the sam-local build; Ctrl-C stops both (localdev/sam_local.py says how).
# SAM_LOCAL_ARGS: more `sam local start-api` options, e.g. --warm-containers EAGER or --skip-pull-image.
sam-local: $(VENV)/.installed $(TRANSLATOR) ## sam local start-api on Docker against the embedded DynamoDB (docs/local-development.md)
	@$(PY) -m localdev sam-local --check-docker
	@$(MAKE) -s build-samlocal QUIET_BUILD=1
	$(PY) -m localdev sam-local --sam $(SAM) --built-template $(SAMLOCAL_DIR)/build/template.yaml \
		--parameter-overrides "$(PARAMETER_OVERRIDES)"

# The e2e test of `make sam-local` alone (skipped, with its reason, where no Docker engine answers).
test-sam-local: $(VENV)/.installed $(TRANSLATOR) .venv-sam/.installed ## the end-to-end test of make sam-local alone (skipped without Docker)
	$(PY) -m pytest tests/e2e/test_sam_local.py --no-cov -p no:cacheprovider -v

bench: $(VENV)/.installed built $(TRANSLATOR) ## cold start and warm cost of each function against its own floor, as ratios (docs/performance.md)
	$(PY) -m bench

load: $(VENV)/.installed $(RIE) $(NPM_TOOLS) $(TRANSLATOR) ## two 60 s load runs against the local API (embedded DynamoDB; DynamoDB Local with conflicts)
	$(PY) -m bench.load

fuzz: $(VENV)/.installed $(RIE) $(TRANSLATOR) ## a long schemathesis run against the local API
	FUZZ_EXAMPLES=2000 FUZZ_MAX_SECONDS=900 FUZZ_SEED=$$RANDOM $(PY) -m pytest tests/e2e/test_fuzz.py --no-cov -p no:cacheprovider

openapi: $(VENV)/.installed ## regenerate docs/openapi.json from the code
	$(PY) -m contract > docs/openapi.json

# Each deploy ships what its own build just made, named explicitly: `sam deploy` alone falls back to
# template.yaml as written (unbuilt code) when there is no .aws-sam/build, or takes a stale one.
BUILT_TEMPLATE := .aws-sam/build/template.yaml

# SAM_DEPLOY_FLAGS: more `sam deploy` options. The pipeline (.github/workflows/deploy.yml) passes its
# artifact bucket and CloudFormation role, and --no-confirm-changeset: its approval is the review.
SAM_DEPLOY_FLAGS ?=

# `sam deploy --config-env $(1)` of what the build just made, with SAM_DEPLOY_FLAGS.
sam_deploy = $(SAM_BUILD_ENV) $(SAM) deploy --config-env $(1) --template-file $(BUILT_TEMPLATE)$(if $(SAM_DEPLOY_FLAGS), $(SAM_DEPLOY_FLAGS))

# First what state the stack is in (pipeline/stack_state.py): a stack a failed first deploy left in
# ROLLBACK_COMPLETE stops here with the command that clears it; a new stack whose deletion protection
# samconfig turns on is created with it off (so a failed create's rollback can delete what it made),
# then deployed as configured.
define deploy_stack
	step=$$($(PY) -m pipeline.stack_state --config-env $(1)) && \
	if [ "$$step" = create-unprotected ]; then \
		echo "make: a new stack: created with deletion protection off, then deployed as configured (pipeline/stack_state.py)"; \
		$(call sam_deploy,$(1)) --parameter-overrides "$$($(PY) -m pipeline.stack_state --config-env $(1) --unprotected-overrides)"; \
	fi && \
	$(call sam_deploy,$(1))
endef

deploy: $(VENV)/.installed build ## sam build, then deploy the development stack (samconfig [default])
	$(call deploy_stack,default)

# Built with the prod config too ([prod.build.parameters]: no build cache). First, whether the account
# can hold ReservedConcurrency (pipeline/concurrency_room.py), which CloudFormation would find midway.
deploy-prod: $(VENV)/.installed .venv-sam/.installed require-python313 ## check the account's concurrency, build and deploy the production stack (samconfig [prod])
	$(PY) -m pipeline.concurrency_room --config-env prod
	$(SAM_BUILD_ENV) $(SAM) build --config-env prod
	$(call deploy_stack,prod)

clean: ## remove the build output and the test caches (not the installed environments)
	rm -rf .aws-sam .pytest_cache .coverage htmlcov
