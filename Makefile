# The two commands of the README. Both are idempotent: run them as often as you like.
.PHONY: run test

run:
	@bash scripts/run.sh

test:
	@bash scripts/test.sh
