#!/bin/bash
for s in 2 3; do
name=vtrace10m-seaquest-s$s
/usr/bin/time -f "$name wall %e s" /tmp/bin/seedrl-sq train --env minatar-seaquest --seed $s --max-steps 10000000 --logdir /tmp/ppo/$name --fresh --quiet --log-level error > /tmp/ppo/$name.out 2>&1
done
