#include "seedrl_arena.h"

static void *arena_alloc(void *data, size_t size) {
  seedrl_arena *arena = data;
  size_t aligned = (arena->used + 15u) & ~(size_t)15u;
  if (aligned > arena->capacity || size > arena->capacity - aligned) return NULL;  // unpack then fails
  arena->used = aligned + size;
  return arena->base + aligned;
}

static void arena_free(void *data, void *pointer) {
  (void)data;
  (void)pointer;  // freed all at once by seedrl_arena_reset
}

void seedrl_arena_init(seedrl_arena *arena, uint8_t *base, size_t capacity) {
  arena->allocator.alloc = arena_alloc;
  arena->allocator.free = arena_free;
  arena->allocator.allocator_data = arena;
  arena->base = base;
  arena->capacity = capacity;
  arena->used = 0;
}
