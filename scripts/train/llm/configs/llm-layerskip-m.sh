#!/bin/sh
# llm-layerskip-m: grow the shipped llm-layerskip (d 192 -> 384, 8 -> 12 layers, 3.25M -> 19.1M
# parameters) and continue LayerSkip training on 2 threads (models/llm/TRAINING.md, "llm-layerskip-m").
# Extra arguments go to the trainer, e.g. --resume to continue RUN_DIR/last.pt.
# glibc: keep freed activation buffers in the heap (no mmap/munmap + page faults per op; 4x faster steps on this VM)
export MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=4294967296 MALLOC_TOP_PAD_=536870912
exec /usr/bin/python3 scripts/train/llm_layerskip.py train --run-dir ${RUN_DIR:-data/llm/run-m} \
  --init-from models/weights/llm-layerskip.safetensors --grow-placement end \
  --dim 384 --layers 12 --heads 12 --kv-heads 4 --ffn 1024 --context 256 --batch 8 \
  --threads 2 --time-budget-s 5100 --ckpt-every-s 300 --eval-tokens 16384 \
  --lr 6e-4 --dropout-time one --p-max 0.1 --exit-scale uniform --distill 1.0 "$@"
