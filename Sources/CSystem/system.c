#include "seedrl_system.h"
#include <malloc.h>

void seedrl_tune_malloc(void) {
  mallopt(M_MMAP_THRESHOLD, 4 << 20);   // fixed: stops the dynamic threshold from growing and trimming
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
}

int seedrl_heap_trim(void) { return malloc_trim(0); }

size_t seedrl_heap_in_use_bytes(void) {
  struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}
