#!/bin/bash
B=/tmp/bin/seedrl-ppo0
for game in breakout; do
name=ppo10m-$game-s1
/usr/bin/time -f "$name wall %e s" $B train --env minatar-$game --seed 1 --max-steps 10000000 --logdir /tmp/ppo/$name --fresh --quiet --log-level error --algorithm ppo --batch-size 32 --unroll-queue 64 --learning-rate 1e-3 > /tmp/ppo/$name.out 2>&1; tail -2 /tmp/ppo/$name.out
done
