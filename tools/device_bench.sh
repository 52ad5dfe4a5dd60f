#!/usr/bin/env bash
# Everything a GPU session measures for the CUDA fast-path goals, in one call of the device tool
# (after tools/device_build.sh): the `gpu` CTest label, then sightline-bench on the full
# GLM-4.6V-Flash config with random weights — bf16 batch 1, 32 concurrent requests, INT8 batch 1 and
# 8 concurrent — the demo model's held-out accuracy in float32, bfloat16 and INT8, and transformers'
# eager generate on the same config. Reports (JSON + text) go to
# ${OUT:-bench-out}/; each step's failure is recorded and the next one still runs.
#
#   run: ./tools/device_build.sh && ./tools/device_bench.sh          (carry: .carry)
#   SIGHTLINE_SKIP_HF=1 leaves out the transformers run (about 3 minutes).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BUILD=${SIGHTLINE_BUILD_DIR:-build-cuda}
OUT=${OUT:-bench-out}
MODEL=${SIGHTLINE_FIXTURES_DIR:-$PWD/.carry/shared/fixtures/glm4v-tiny}/model
CONFIG=tools/configs/glm-4.6v-flash.config.json
export LD_LIBRARY_PATH=/tmp/sightline-deps/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}
mkdir -p "$OUT"
status=0
step() {  # name, command...
    local name=$1
    shift
    echo "== $name: $*" | tee -a "$OUT/steps.log"
    local t0=$SECONDS
    if "$@" > "$OUT/$name.txt" 2>&1; then
        echo "   ok ($((SECONDS - t0)) s)" | tee -a "$OUT/steps.log"
    else
        echo "   FAILED ($((SECONDS - t0)) s), exit $?; tail:" | tee -a "$OUT/steps.log"
        tail -20 "$OUT/$name.txt" | tee -a "$OUT/steps.log"
        status=1
    fi
}
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv > "$OUT/gpu.txt" 2>&1
python3 -c 'import torch, transformers; print("torch", torch.__version__, "transformers", transformers.__version__)' >> "$OUT/gpu.txt" 2>&1

step gpu_tests ctest --test-dir "$BUILD" -L gpu --output-on-failure
bench=("$BUILD/app/sightline-bench" --model "$MODEL" --random-weights "$CONFIG" --image-size 1024x768 --max-new-tokens 64 --device cuda --dtype bfloat16)
step bf16_batch1 "${bench[@]}" --warmup 2 -n 3 -r 2 --json "$OUT/bf16_batch1.json"
step bf16_concurrency32 "${bench[@]}" --warmup 1 -n 1 -r 1 --concurrency 32 --json "$OUT/bf16_concurrency32.json"
step int8_batch1 "${bench[@]}" --quantize int8 --warmup 2 -n 3 -r 2 --json "$OUT/int8_batch1.json"
step int8_concurrency8 "${bench[@]}" --quantize int8 --warmup 1 -n 1 -r 1 --concurrency 8 --json "$OUT/int8_concurrency8.json"
# The demo model's held-out accuracy on the GPU in float32, bfloat16 and INT8 (issue #13), on the set
# of its CPU figures (resources/demo-model/accuracy.json): questions drawn by device_prepare.sh.
QS=.carry/demo-questions/questions.jsonl
if [ -f "$QS" ]; then
    for v in float32 bfloat16 int8; do
        flags=(--dtype "$v")
        [ "$v" = int8 ] && flags=(--dtype bfloat16 --quantize int8)
        step "demo_answers_$v" "$BUILD/app/sightline-bench" --model resources/demo-model --device cuda "${flags[@]}" \
            --questions "$QS" --json "$OUT/demo_answers_$v.jsonl"
        python3 tools/demo/score_answers.py "$QS" "$OUT/demo_answers_$v.jsonl" --label "cuda $v" \
            --json "$OUT/demo_accuracy_$v.json" >> "$OUT/demo_accuracy.txt" 2>&1 || status=1
    done
else
    echo "== demo accuracy: no $QS (run tools/device_prepare.sh here)" | tee -a "$OUT/steps.log"
fi
if [ -z "${SIGHTLINE_SKIP_HF:-}" ]; then
    step transformers python3 tools/bench_hf.py --model "$MODEL" --random-weights "$CONFIG" --image-size 1024x768 \
        --max-new-tokens 64 -n 2 --warmup 1 --device cuda --dtype bfloat16 --ours "$OUT/bf16_batch1.json" --json "$OUT/transformers.json"
fi
exit $status
