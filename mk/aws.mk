# The operator's targets: deploy, inspect and smoke-test the stacks (ops/, Python over boto3).
# Included by the main Makefile; uses its BIN and venv.
#
# Settings are Make variables: ENV (dev|staging|prod, default dev), REGION (default
# AWS_REGION/AWS_DEFAULT_REGION, the profile's, else us-east-1), PROFILE, PROJECT
# (default sports-api), ARCH (amd64|arm64, default this machine's). AWS_ENDPOINT_URL
# sends every AWS call to an emulator such as moto_server. `python -m ops --help`
# lists every variable.

OPS_VARIABLES := ENV REGION PROFILE PROJECT ARCH \
	IMAGE_URI ALERT_EMAIL GITHUB_REPO GITHUB_BRANCH CONNECTION_ARN CFN_MODE CONFIRM \
	FORMAT RESTART API_URL API_KEY SMOKE_WAIT \
	FOLLOW SINCE FILTER LEVEL REQUEST_ID TASK
OPS_TARGETS := deploy-stack delete-stack outputs put-secret smoke logs status

# Each variable reaches the tool as OPS_<NAME>, when set on the command line or in
# the environment, as typed: Make would otherwise expand the `$` of a CloudWatch
# pattern such as FILTER='{ $.status >= 500 }'. Defaults set in makefiles (ARCH ?= in
# mk/container.mk) are not passed: the tool applies its own, and for a stack that
# exists it keeps the stack's current value rather than this machine's.
ops_value = $(if $(filter command environment,$(firstword $(origin $(1)))),$(value $(1)))
$(foreach v,$(OPS_VARIABLES),$(eval $(OPS_TARGETS): export OPS_$(v) = $$(call ops_value,$(v))))

OPS := $(BIN)/python -m ops

.PHONY: $(OPS_TARGETS)

deploy-stack: venv ## Deploy/update the stacks in order (ENV REGION PROFILE IMAGE_URI ALERT_EMAIL GITHUB_REPO ...)
	@$(OPS) deploy

delete-stack: venv ## Delete every stack of ENV in reverse order (CONFIRM=<ENV> when not on a terminal)
	@$(OPS) delete

outputs: venv ## The deployed stacks' useful outputs (FORMAT=json: all of them)
	@$(OPS) outputs

put-secret: venv ## Store the SerpAPI key: hidden prompt, or stdin (make put-secret < file)
	@$(OPS) put-secret

# No venv: with API_URL and API_KEY the check needs the standard library only
# (the pipeline's smoke stage); without them it reads the api stack with boto3.
smoke: ## Call the deployed API: /health, a data route, 404, 403 without key (API_URL= API_KEY=)
	@$(if $(wildcard $(BIN)/python),$(BIN)/python,$(PYTHON)) -m ops smoke

logs: venv ## Follow the service's logs (FOLLOW=0 SINCE=10m FILTER= LEVEL=ERROR REQUEST_ID= TASK= FORMAT=json)
	@$(OPS) logs

status: venv ## One screen: pipeline, service, deployments, tasks, targets, alarms
	@$(OPS) status
