#!/usr/bin/env bash
# Run HERE (not on the GPU machine) before a device call: fills .carry/ (ignored by git) with what a
# bare GPU machine cannot fetch: the header/library .debs that tools/device_build.sh unpacks, and a
# copy of ../shared/fixtures (the device tool sends only the repository), and the demo model's
# held-out questions. Then call the device tool
# with carry [".carry"] and `./tools/device_check.sh`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p .carry/shared
(cd .carry && apt-get download -q libgtest-dev nlohmann-json3-dev libpcre2-dev libpcre2-8-0 libstb-dev libstb0 >/dev/null)
rm -rf .carry/shared/fixtures
cp -r ../shared/fixtures .carry/shared/fixtures
# The demo model's held-out questions (the CPU figures' set: seed 424242, 40 per kind) for the accuracy
# steps of device_bench.sh; the GPU machine has no PIL to draw them.
rm -rf .carry/demo-questions
(cd tools && ../.venv/bin/python3 -c 'from demo import evaluate; evaluate.write_question_file("../.carry/demo-questions", 424242, 40)')
du -sh .carry
