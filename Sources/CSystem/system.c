#include "seedrl_system.h"
#include <malloc.h>

void seedrl_tune_malloc(void) {
  mallopt(M_MMAP_THRESHOLD, 4 << 20);   // fixed: stops the dynamic threshold from growing and trimming
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
}
