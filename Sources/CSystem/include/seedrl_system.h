#ifndef SEEDRL_SYSTEM_H
#define SEEDRL_SYSTEM_H

/// Process-wide allocator settings for a server that moves many 28 KB messages:
/// glibc otherwise returns freed memory above its adaptive thresholds to the kernel and
/// page-faults it back on the next step (a third of the CPU per step, measured).
void seedrl_tune_malloc(void);

#endif
