# The two commands of the README:
#   make demo   install everything, run the workflow on the bundled demo data, show the results
#   make test   install everything, run the test suite (what CI runs)
SHELL := /bin/bash
SNAKEMAKE := .venv/bin/snakemake
CORES ?= 2

.PHONY: setup demo test lint format clean-demo

setup:
	bash scripts/setup.sh

demo: setup
	.venv/bin/python -m polimodal.synthetic.demo resources/demo
	$(SNAKEMAKE) --cores $(CORES) --configfile config/demo.yaml --scheduler greedy
	$(SNAKEMAKE) --cores $(CORES) --configfile config/demo.yaml --report results/report.html
	.venv/bin/python -m polimodal.cli summary results
	# the posts demo (config/demo_posts.yaml): the same workflow in its own working directory
	mkdir -p results/posts
	$(SNAKEMAKE) --cores $(CORES) --configfile config/demo_posts.yaml -d results/posts --scheduler greedy
	$(SNAKEMAKE) --cores $(CORES) --configfile config/demo_posts.yaml -d results/posts --report report.html
	.venv/bin/python -m polimodal.cli summary results/posts/results

test: setup
	bash scripts/test.sh

lint:
	.venv/bin/ruff check polimodal workflow/scripts tests bench
	.venv/bin/ruff format --check polimodal workflow/scripts tests bench
	.venv/bin/snakefmt --check Snakefile workflow/rules
	.venv/bin/python -m polimodal.synthetic.demo resources/demo >/dev/null
	$(SNAKEMAKE) --lint --configfile config/demo.yaml

format:
	.venv/bin/ruff format polimodal workflow/scripts tests bench
	.venv/bin/ruff check --fix polimodal workflow/scripts tests bench
	.venv/bin/snakefmt Snakefile workflow/rules

clean-demo:
	rm -rf results/* logs benchmarks .snakemake resources/demo
