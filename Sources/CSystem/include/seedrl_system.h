#ifndef SEEDRL_SYSTEM_H
#define SEEDRL_SYSTEM_H

/// Process-wide allocator settings for a server that moves many 28 KB messages:
/// glibc otherwise returns freed memory above its adaptive thresholds to the kernel and
/// page-faults it back on the next step (a third of the CPU per step, measured).
void seedrl_tune_malloc(void);

#include <stddef.h>

/// Bytes handed out by the allocator and not freed (mallinfo2's uordblks + hblkhd).
size_t seedrl_heap_in_use_bytes(void);

/// Gives every whole free page of every arena back to the kernel (malloc_trim(0)); 1 if
/// any memory was released.
int seedrl_heap_trim(void);

#endif
