#!/bin/bash
B=/tmp/bin/seedrl-ppo0
run() { name=$1; shift; /usr/bin/time -f "$name wall %e s" $B train --env minatar-breakout --seed 1 --max-steps 2000000 --logdir /tmp/ppo/$name --fresh --quiet --log-level error "$@" > /tmp/ppo/$name.out 2>&1; tail -2 /tmp/ppo/$name.out; }
run vtrace
run ppo-b8 --algorithm ppo
run ppo-b32 --algorithm ppo --batch-size 32
run ppo-b32-lr --algorithm ppo --batch-size 32 --learning-rate 3e-4
