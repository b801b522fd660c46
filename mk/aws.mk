# The operator's targets: deploy, inspect, smoke-test and delete the stacks
# (ops/, Python over boto3). Included by the main Makefile; uses its BIN and venv.
# Each target is one line: `python -m ops COMMAND`, whose --help lists its
# settings. AWS_ENDPOINT_URL sends every AWS call to an emulator (moto_server).

OPS_VARIABLES := ENV REGION PROFILE PROJECT ARCH \
	IMAGE_URI ALERT_EMAIL GITHUB_REPO GITHUB_BRANCH CONNECTION_ARN CFN_MODE CONFIRM \
	FORMAT RESTART API_URL API_KEY SMOKE_WAIT RELEASE_TEST LEAGUE CAPTURE \
	FOLLOW SINCE FILTER LEVEL REQUEST_ID TASK
OPS_TARGETS := deploy-stack delete-stack outputs put-secret smoke contract captures logs status help

# Each variable reaches the tool as OPS_<NAME> (the default of its --name option),
# when set on the command line or in the environment, as typed: Make would
# otherwise expand the `$` of a CloudWatch pattern such as FILTER='{ $.status >= 500 }'.
# Defaults set in makefiles (ARCH ?= in mk/container.mk) are not passed: the tool
# applies its own, and for a stack that exists it keeps the stack's value.
ops_value = $(if $(filter command environment,$(firstword $(origin $(1)))),$(value $(1)))
$(foreach v,$(OPS_VARIABLES),$(eval $(OPS_TARGETS): export OPS_$(v) = $$(call ops_value,$(v))))

OPS := $(BIN)/python -m ops

.PHONY: $(OPS_TARGETS)

##@ AWS
deploy-stack: venv ## Create/update the stacks in order (ENV REGION PROFILE IMAGE_URI ALERT_EMAIL GITHUB_REPO ...)
	@$(OPS) deploy

delete-stack: venv ## Delete every stack of ENV, then list what is left; fail if anything is (CONFIRM=<ENV>)
	@$(OPS) delete

outputs: venv ## The deployed stacks' useful outputs (FORMAT=json: all of them)
	@$(OPS) outputs

put-secret: venv ## Store the SerpAPI key (16-256 letters, digits, - or _): hidden prompt, or stdin
	@$(OPS) put-secret

##@ operate
# No venv: with API_URL and API_KEY the check needs the standard library only
# (the pipeline's smoke stage); without them it reads the api stack with boto3.
smoke: ## Call the deployed API: /health, live data ("source": "serpapi"), 404, 403 without key
	@$(if $(wildcard $(BIN)/python),$(BIN)/python,$(PYTHON)) -m ops smoke

# The runtime set only (what the service itself runs on): the pipeline's contract
# stage installs no test tools. SERPAPI_API_KEY and the service's SERPAPI_* settings
# come from the environment.
contract: run-venv ## One real SerpAPI search held to the service's contract; keeps the answer (LEAGUE= CAPTURE=)
	@PYTHONPATH=src $(RUN_VENV)/bin/python -m ops contract

captures: venv ## Turn a contract run's answer into a test fixture in tests/captures/ (CAPTURE=dir or zip)
	@$(OPS) captures

logs: venv ## Follow the service's logs (FOLLOW=0 SINCE=10m FILTER= LEVEL=ERROR REQUEST_ID= TASK= FORMAT=json)
	@$(OPS) logs

status: venv ## Verdict and why: pipeline, service, tasks, targets, alarms; exit 0 healthy, else 2 (FORMAT=json)
	@$(OPS) status
# (Make exits 2 for any failing recipe: `python -m ops status` keeps the verdict's 0/1/2.)
