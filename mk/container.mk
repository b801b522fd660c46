# The container image: build it, lint its Dockerfile, test it for real.
# Included by the main Makefile; uses its BIN and venv.
#
#   make image [ARCH=amd64|arm64] [IMAGE=name:tag] [BASE_IMAGE=...]
#   make container-test
#   make test-image / make test-in-container [PYTEST_ARGS=...]   (the Build stage's tests)
#
# ARCH is the one architecture setting: it becomes the build's --platform
# (linux/$(ARCH)) and CPU_ARCHITECTURE, the value the ECS task definition's
# RuntimePlatform.CpuArchitecture needs (X86_64 | ARM64), so the two cannot
# disagree. It defaults to this machine's.

ARCH ?= $(shell uname -m | sed -e 's/^x86_64$$/amd64/' -e 's/^aarch64$$/arm64/')
CPU_ARCHITECTURE = $(if $(filter arm64,$(ARCH)),ARM64,$(if $(filter amd64,$(ARCH)),X86_64,$(error ARCH must be amd64 or arm64, not '$(ARCH)')))
IMAGE_NAME ?= sports-api
IMAGE_TAG ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo dev)
IMAGE ?= $(IMAGE_NAME):$(IMAGE_TAG)
# Empty: the Dockerfile's own (the official slim Python image, pinned).
BASE_IMAGE ?=

##@ image
.PHONY: image
image: ## Build the image for ARCH=amd64|arm64 (docker buildx, or podman without a Docker engine)
	ARCH=$(ARCH) IMAGE=$(IMAGE) BASE_IMAGE=$(BASE_IMAGE) scripts/container-build

.PHONY: image-push
image-push: ## Build for ARCH and push exactly IMAGE_URI to ECR, layer cache from <repo>:buildcache (PUSH=0: build only)
	ARCH=$(ARCH) IMAGE_URI=$(IMAGE_URI) REGION=$(REGION) BASE_IMAGE=$(BASE_IMAGE) scripts/image-push

.PHONY: container-base
container-base: ## Make the local Debian 12 + Python base image (debootstrap, cached in .cache/container)
	ARCH=$(ARCH) scripts/container-base

# Then the container-marked tests: the Build stage's test image holds Chromium
# and Redis and runs the suite (tests/container).
.PHONY: container-test
container-test: venv ## Build the real image and run it: health, non-root, read-only, graceful SIGTERM, no secrets
	ARCH=$(ARCH) scripts/container-test
	$(BIN)/python -m pytest -m container -p no:cacheprovider tests/container

# The pipeline's Build stage runs the suite in a Debian image of the project's
# (buildspecs/test-image.Dockerfile): CodeBuild's images have no Chromium. It is
# built for this machine whatever ARCH is (the tests run once), on BASE_IMAGE
# (empty: the official slim Python image; with podman, the local debootstrap
# base), and reused until its Dockerfile, a lock or its base changes.
.PHONY: test-image
test-image: ## Build the Build stage's test image: Debian, chromium, redis-server, faketime, the locked environments
	BASE_IMAGE=$(BASE_IMAGE) scripts/test-image build >/dev/null

.PHONY: test-in-container
test-in-container: ## make test in the test image on this checkout, as the Build stage does (PYTEST_ARGS; reports/ here)
	BASE_IMAGE=$(BASE_IMAGE) scripts/test-image run

.PHONY: hadolint
hadolint: venv ## Lint the Dockerfiles: the service's and the test image's
	$(BIN)/hadolint Dockerfile buildspecs/test-image.Dockerfile

.PHONY: container-clean
container-clean: ## Forget the cached base root filesystem, the container test's reports and the test images
	rm -rf .cache/container reports/container
	scripts/test-image clean
