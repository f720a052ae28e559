#!/bin/bash
B=/tmp/bin/seedrl-ppo0
run() { name=$1; shift; /usr/bin/time -f "$name wall %e s" $B train --env minatar-breakout --seed 1 --max-steps 2000000 --logdir /tmp/ppo/$name --fresh --quiet --log-level error "$@" > /tmp/ppo/$name.out 2>&1; tail -2 /tmp/ppo/$name.out; }
run ppo-b32-q64-lr5e4 --algorithm ppo --batch-size 32 --unroll-queue 64 --learning-rate 5e-4
run ppo-b32-q64-lr1e3 --algorithm ppo --batch-size 32 --unroll-queue 64 --learning-rate 1e-3
